// kCatalogQuery against a real PostgreSQL 15 (started by the fixture): the snapshot it gives
// resolves a rule to the very (table OID, column number) the server puts in a result's
// RowDescription, whatever alias the query used; dropped columns are gone, views and
// temporary tables are listed.

#include <gtest/gtest.h>

#include <memory>

#include "../credentials/pg_test_cluster.h"
#include "masking/catalog.h"

namespace gh::masking {
namespace {

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class MaskCatalogPg : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new credentials::test::PgTestCluster();
    setup_error_ = cluster_->start();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << "test PostgreSQL cluster unavailable: " << setup_error_;
    conn_.reset(PQconnectdb(
        (cluster_->conninfo("postgres", cluster_->superuser_password()) + " connect_timeout=5")
            .c_str()));
    ASSERT_EQ(PQstatus(conn_.get()), CONNECTION_OK) << PQerrorMessage(conn_.get());
  }
  PgResult exec(const std::string& sql) {
    PgResult r(PQexec(conn_.get(), sql.c_str()));
    EXPECT_TRUE(PQresultStatus(r.get()) == PGRES_COMMAND_OK ||
                PQresultStatus(r.get()) == PGRES_TUPLES_OK)
        << sql << ": " << PQresultErrorMessage(r.get());
    return r;
  }
  std::vector<CatalogColumn> snapshot() {
    PgResult r = exec(std::string(kCatalogQuery));
    std::vector<CatalogColumn> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      CatalogColumn c;
      c.table_oid = static_cast<uint32_t>(std::stoul(PQgetvalue(r.get(), i, 0)));
      c.schema = PQgetvalue(r.get(), i, 1);
      c.table = PQgetvalue(r.get(), i, 2);
      c.relkind = PQgetvalue(r.get(), i, 3)[0];
      c.attnum = static_cast<int16_t>(std::stoi(PQgetvalue(r.get(), i, 4)));
      c.column = PQgetvalue(r.get(), i, 5);
      c.type_oid = static_cast<uint32_t>(std::stoul(PQgetvalue(r.get(), i, 6)));
      out.push_back(std::move(c));
    }
    return out;
  }

  static inline credentials::test::PgTestCluster* cluster_ = nullptr;
  static inline std::string setup_error_;
  PgConn conn_;
};

MaskRule rule(const std::string& schema, const std::string& table, const std::string& column) {
  std::string why;
  MaskRule r;
  r.name = "pii";
  r.style = Style::redact();
  r.columns.push_back(ColumnPattern{*Glob::compile(schema, why), *Glob::compile(table, why),
                                    *Glob::compile(column, why),
                                    schema + "." + table + "." + column});
  return r;
}

TEST_F(MaskCatalogPg, ResolvesToTheColumnsResultsReport) {
  exec("CREATE TABLE customers (id int, gone text, name text, ssn text)");
  exec("ALTER TABLE customers DROP COLUMN gone");  // ssn keeps attnum 4
  exec("INSERT INTO customers VALUES (1, 'a', '900-00-0001')");
  exec("CREATE VIEW customer_names AS SELECT id, name FROM customers");
  exec("CREATE TEMP TABLE scratch (ssn text)");
  MaskRule pii = rule("*", "*", "ssn");
  MaskCatalog cat = MaskCatalog::build(snapshot(), {&pii});
  // The server's own RowDescription for an aliased column names the base column.
  PgResult r = exec("SELECT c.ssn AS x, c.name FROM customers c");
  const uint32_t table = PQftable(r.get(), 0);
  const int attnum = PQftablecol(r.get(), 0);
  EXPECT_EQ(attnum, 4);
  EXPECT_EQ(cat.rule_for(table, static_cast<int16_t>(attnum)), &pii);
  EXPECT_EQ(cat.rule_for(PQftable(r.get(), 1), static_cast<int16_t>(PQftablecol(r.get(), 1))),
            nullptr);
  EXPECT_EQ(cat.rule_for("public", "customers", "ssn"), &pii);
  EXPECT_EQ(cat.rule_for("", "customers", "gone"), nullptr);  // dropped: not listed
  EXPECT_TRUE(cat.has_masked_columns("", "scratch"));         // temporary tables too
  EXPECT_FALSE(cat.has_masked_columns("", "customer_names"));
  PgResult v = exec("SELECT id FROM customer_names");
  EXPECT_TRUE(cat.knows(PQftable(v.get(), 0)));  // a view is known (its columns: lineage)
}

}  // namespace
}  // namespace gh::masking

// JDBC against gatehouse's guardrails (agent-safe pack): refusals arrive as SQLException
// with SQLState 42501 and the connection carries on; a refusal inside a transaction fails
// it, so the commit commits nothing.
// Usage: java -cp postgresql.jar:. JdbcGuardrails <jdbc-url> <user> <password>
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

public final class JdbcGuardrails {
  private static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError("check failed: " + what);
  }

  private static String refusal(Statement s, String sql) {
    try {
      s.execute(sql);
    } catch (SQLException e) {
      return e.getSQLState() + " " + e.getMessage();
    }
    throw new AssertionError("not refused: " + sql);
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.setProperty("user", args[1]);
    props.setProperty("password", args[2]);
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "60");
    try (Connection c = DriverManager.getConnection(args[0], props)) {
      try (Statement s = c.createStatement()) {
        String r = refusal(s, "DELETE FROM items");
        check(r.startsWith("42501 ") && r.contains("guardrail"), "delete refused: " + r);
        check(count(c, "select count(*) from items") > 0, "session carries on");
      }
      // The extended protocol: a PreparedStatement is judged at its Parse.
      try (PreparedStatement ps = c.prepareStatement("UPDATE items SET price = ?")) {
        ps.setInt(1, 1);
        ps.executeUpdate();
        throw new AssertionError("prepared update not refused");
      } catch (SQLException e) {
        check("42501".equals(e.getSQLState()), "prepared refusal state: " + e.getSQLState());
      }
      try (PreparedStatement ps = c.prepareStatement("select count(*) from items where id < ?")) {
        for (int i = 0; i < 7; i++) {  // past pgjdbc's prepareThreshold: a named statement
          ps.setInt(1, 11);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            check(rs.getLong(1) == 10, "prepared select");
          }
        }
      }
      long before = count(c, "select count(*) from events");
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("insert into events(kind) values ('jdbc-in-tx')");
        String r = refusal(s, "TRUNCATE events");
        check(r.startsWith("42501 "), "truncate refused: " + r);
        String after = refusal(s, "select 1");
        check(after.startsWith("25P02 "), "transaction failed: " + after);
      }
      c.rollback();
      c.setAutoCommit(true);
      check(count(c, "select count(*) from events") == before, "nothing committed");
      System.out.println("JDBC GUARDRAILS OK");
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1);
    }
  }
}

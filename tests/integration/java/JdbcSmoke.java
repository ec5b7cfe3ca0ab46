// JDBC (pgjdbc from Debian's libpostgresql-jdbc-java) through gatehouse.
// Usage: java -cp postgresql.jar:. JdbcSmoke <jdbc-url> <user> <password>
// Prints "JDBC OK" and exits 0 when every check passes; exits 1 with the failure otherwise.
import java.math.BigDecimal;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Properties;

public final class JdbcSmoke {
  private static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError("check failed: " + what);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: JdbcSmoke <jdbc-url> <user> <password>");
      System.exit(2);
    }
    Properties props = new Properties();
    props.setProperty("user", args[1]);
    props.setProperty("password", args[2]);
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "60");
    props.setProperty("ApplicationName", "jdbc-smoke");
    try (Connection c = DriverManager.getConnection(args[0], props)) {
      simpleQueries(c);
      preparedStatements(c);
      batch(c);
      cursorFetch(c);
      errors(c);
      System.out.println("JDBC OK");
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1);
    }
  }

  private static void simpleQueries(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from customers")) {
      check(rs.next() && rs.getLong(1) == 50, "50 customers");
    }
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("select current_setting('application_name')")) {
      check(rs.next(), "application_name row");
    }
  }

  private static void preparedStatements(Connection c) throws SQLException {
    // pgjdbc switches to a named server-side statement after prepareThreshold (5) executions.
    try (PreparedStatement ps =
             c.prepareStatement("select name, email, created_at from customers where id = ?")) {
      for (int i = 1; i <= 20; i++) {
        ps.setInt(1, i);
        try (ResultSet rs = ps.executeQuery()) {
          check(rs.next(), "customer " + i + " exists");
          check(rs.getString(1).equals("Customer " + i), "name of customer " + i);
          check(rs.getTimestamp(3) != null, "timestamp");
          check(!rs.next(), "one row");
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
             "select ?::numeric * 2, ?::bytea, ?::text[], ?::int is null")) {
      ps.setBigDecimal(1, new BigDecimal("1.25"));
      ps.setBytes(2, new byte[] {0, 1, (byte) 255});
      ps.setArray(3, c.createArrayOf("text", new String[] {"a", "b"}));
      ps.setNull(4, java.sql.Types.INTEGER);
      try (ResultSet rs = ps.executeQuery()) {
        check(rs.next(), "typed row");
        check(rs.getBigDecimal(1).compareTo(new BigDecimal("2.50")) == 0, "numeric");
        check(Arrays.equals(rs.getBytes(2), new byte[] {0, 1, (byte) 255}), "bytea");
        check(Arrays.equals((Object[]) rs.getArray(3).getArray(), new String[] {"a", "b"}), "array");
        check(rs.getBoolean(4), "null param");
      }
    }
  }

  private static void batch(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("create temp table jb (id int primary key, v text)");
    }
    try (PreparedStatement ps = c.prepareStatement("insert into jb values (?, ?)")) {
      for (int i = 0; i < 2000; i++) {
        ps.setInt(1, i);
        ps.setString(2, "v" + i);
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      check(counts.length == 2000, "2000 batch results");
    }
    try (Statement s = c.createStatement()) {
      s.addBatch("update jb set v = 'x' where id < 10");
      s.addBatch("delete from jb where id >= 1990");
      s.addBatch("insert into jb values (5000, 'y')");
      int[] counts = s.executeBatch();
      check(Arrays.equals(counts, new int[] {10, 10, 1}), "statement batch counts " + Arrays.toString(counts));
    }
    // A failing batch reports the error and leaves the connection usable.
    try (PreparedStatement ps = c.prepareStatement("insert into jb values (?, 'dup')")) {
      ps.setInt(1, 6000);
      ps.addBatch();
      ps.setInt(1, 6000);
      ps.addBatch();
      try {
        ps.executeBatch();
        check(false, "duplicate key batch must fail");
      } catch (BatchUpdateException e) {
        check("23505".equals(e.getSQLState()) || "23505".equals(e.getNextException().getSQLState()),
              "unique violation: " + e.getSQLState());
      }
    }
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from jb")) {
      check(rs.next() && rs.getLong(1) == 1991, "rows after batches (a failed batch is one implicit transaction)");
    }
  }

  private static void cursorFetch(Connection c) throws SQLException {
    // setFetchSize only uses a portal (Execute with a row limit) with autocommit off.
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement("select id, label from items where id > ? order by id")) {
      ps.setFetchSize(100);
      ps.setInt(1, 0);
      long n = 0, sum = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          n++;
          sum += rs.getInt(1);
        }
      }
      check(n == 5000 && sum == 5000L * 5001 / 2, "cursor fetch of 5000 rows, got " + n);
      // Two open portals interleaved.
      try (Statement a = c.createStatement(); Statement b = c.createStatement()) {
        a.setFetchSize(7);
        b.setFetchSize(3);
        try (ResultSet ra = a.executeQuery("select i from generate_series(1, 50) i");
             ResultSet rb = b.executeQuery("select i from generate_series(101, 150) i")) {
          for (int i = 1; i <= 50; i++) {
            check(ra.next() && ra.getInt(1) == i, "portal a row " + i);
            check(rb.next() && rb.getInt(1) == 100 + i, "portal b row " + i);
          }
        }
      }
      c.commit();
    } finally {
      c.setAutoCommit(true);
    }
  }

  private static void errors(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      try {
        s.executeQuery("select 1/0");
        check(false, "division by zero must fail");
      } catch (SQLException e) {
        check("22012".equals(e.getSQLState()), "22012, got " + e.getSQLState());
      }
      try (ResultSet rs = s.executeQuery("select 'still usable'")) {
        check(rs.next() && rs.getString(1).equals("still usable"), "usable after error");
      }
    }
  }
}

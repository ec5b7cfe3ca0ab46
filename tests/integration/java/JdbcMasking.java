// JDBC through gatehouse's masking: prints every value it receives, one per line, for the test
// to scan; a plain Statement, then a PreparedStatement past pgjdbc's prepareThreshold (a named
// server-side statement, binary transfer for the int column).
// Usage: java -cp postgresql.jar:. JdbcMasking <jdbc-url> <user> <password>
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

public final class JdbcMasking {
  private static final String QUERY =
      "SELECT id, ssn, upper(email) AS ue, card, secret_note FROM people";

  private static void print(ResultSet rs) throws SQLException {
    int n = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      StringBuilder line = new StringBuilder("ROW");
      for (int i = 1; i <= n; i++) line.append('\t').append(rs.getString(i));
      System.out.println(line);
    }
  }

  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.setProperty("user", args[1]);
    props.setProperty("password", args[2]);
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "60");
    try (Connection c = DriverManager.getConnection(args[0], props)) {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(QUERY)) {
        print(rs);
      }
      try (PreparedStatement ps = c.prepareStatement(QUERY + " WHERE id = ?")) {
        for (int i = 1; i <= 7; i++) {
          ps.setInt(1, i);
          try (ResultSet rs = ps.executeQuery()) {
            print(rs);
          }
        }
      }
    }
    System.out.println("JDBC MASKING OK");
  }
}

package dev.digitlab.server.testing;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A data source that notes every SQL statement prepared or executed through it, and whether a
 * Spring-managed transaction was active on the calling thread then: for tests of how many round
 * trips to the database a path makes, and which of them run outside its transaction.
 */
public final class SqlLog {

  /** One statement as the driver was given it. */
  public record Executed(String sql, boolean inTransaction) {}

  private final List<Executed> executed = new CopyOnWriteArrayList<>();
  private final DataSource dataSource;

  public SqlLog(DataSource target) {
    this.dataSource = proxy(DataSource.class, target);
  }

  /** The data source to build the code under test on. */
  public DataSource dataSource() {
    return dataSource;
  }

  /** Forgets what was noted so far. */
  public void clear() {
    executed.clear();
  }

  /** What was noted since the last {@link #clear()}, in order. */
  public List<Executed> executed() {
    return List.copyOf(executed);
  }

  private <T> T proxy(Class<T> type, T target) {
    InvocationHandler handler =
        (self, method, args) -> {
          note(method, args);
          Object result;
          try {
            result = method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          return wrap(method, result);
        };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private void note(Method method, Object[] args) {
    boolean preparing =
        method.getDeclaringClass() == Connection.class
            && (method.getName().equals("prepareStatement")
                || method.getName().equals("prepareCall"));
    boolean executing =
        Statement.class.isAssignableFrom(method.getDeclaringClass())
            && method.getName().startsWith("execute");
    if ((preparing || executing) && args != null && args.length > 0 && args[0] instanceof String) {
      executed.add(
          new Executed(
              (String) args[0], TransactionSynchronizationManager.isActualTransactionActive()));
    }
  }

  private Object wrap(Method method, Object result) {
    if (result instanceof Connection connection && method.getName().equals("getConnection")) {
      return proxy(Connection.class, connection);
    }
    if (result instanceof Statement statement && method.getName().equals("createStatement")) {
      return proxy(Statement.class, statement);
    }
    return result;
  }
}

package dev.digitlab.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.annotation.DirtiesContext.HierarchyMode;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestContextManager;

/**
 * {@link OwnContextCloser}, as Spring's test framework runs it (the listeners from {@code
 * META-INF/spring.factories}, the shared context cache): a test class with a {@link
 * DynamicPropertySource} of its own has its context closed, and its background task stopped, when
 * the class ends; a class that inherits its properties from a base shared with other classes keeps
 * its context cached and running for the next class.
 */
class OwnContextCloserTest {

  /** A context with a background thread, which only closing the context stops. */
  @Configuration(proxyBeanMethods = false)
  static class BackgroundTaskContext {
    @Bean(destroyMethod = "stop")
    BackgroundTask backgroundTask() {
      return new BackgroundTask();
    }
  }

  /** Stands for the lease sweeper, the pipeline heartbeat, the embedded worker. */
  static final class BackgroundTask {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread =
        Thread.ofPlatform()
            .daemon()
            .name("own-context-closer-test-task")
            .start(
                () -> {
                  try {
                    stop.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });

    void stop() throws InterruptedException {
      stop.countDown();
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    boolean running() {
      return thread.isAlive();
    }
  }

  /** A test class with a home of its own, as most of this module's Spring test classes. */
  @ContextConfiguration(classes = BackgroundTaskContext.class)
  static class ClassWithItsOwnProperties {
    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry properties) {
      properties.add("digitlab.home", () -> "/tmp/own-context-closer-test");
    }
  }

  /** A base shared by several test classes, as OpenServerTest. */
  @ContextConfiguration(classes = BackgroundTaskContext.class)
  abstract static class SharedBase {
    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry properties) {
      properties.add("digitlab.home", () -> "/tmp/own-context-closer-test-shared");
    }
  }

  static class ClassSharingItsContext extends SharedBase {}

  @Test
  void a_class_with_properties_of_its_own_has_its_context_closed_when_it_ends() throws Exception {
    Ran ran = run(new TestContextManager(ClassWithItsOwnProperties.class));

    assertThat(ran.context().isActive())
        .as("the class's context is open after the class")
        .isFalse();
    assertThat(ran.task().running()).as("its background task runs after the class").isFalse();
  }

  @Test
  void a_class_sharing_its_base_s_context_leaves_it_running_for_the_next_class() throws Exception {
    TestContextManager first = new TestContextManager(ClassSharingItsContext.class);
    Ran ran = run(first);
    ConfigurableApplicationContext context = ran.context();
    try {
      assertThat(context.isActive()).as("the shared context is open after the class").isTrue();
      assertThat(ran.task().running()).isTrue();
      // The next class sharing the base gets the same, still running, context from the cache.
      ConfigurableApplicationContext next =
          (ConfigurableApplicationContext)
              new TestContextManager(ClassSharingItsContext.class)
                  .getTestContext()
                  .getApplicationContext();
      assertThat(next).isSameAs(context);
    } finally {
      first.getTestContext().markApplicationContextDirty(HierarchyMode.EXHAUSTIVE);
    }
    assertThat(context.isActive()).isFalse();
    assertThat(ran.task().running()).isFalse();
  }

  @Test
  void only_a_dynamic_property_source_declared_by_the_class_itself_makes_its_context_its_own() {
    assertThat(OwnContextCloser.ownsItsContext(ClassWithItsOwnProperties.class)).isTrue();
    assertThat(OwnContextCloser.ownsItsContext(ClassSharingItsContext.class)).isFalse();
    assertThat(OwnContextCloser.ownsItsContext(OwnContextCloserTest.class)).isFalse();
  }

  private record Ran(ConfigurableApplicationContext context, BackgroundTask task) {}

  /** The class-level part of a test class's run: its context is loaded, then the class ends. */
  private static Ran run(TestContextManager manager) throws Exception {
    manager.beforeTestClass();
    ApplicationContext context = manager.getTestContext().getApplicationContext();
    BackgroundTask task = context.getBean(BackgroundTask.class);
    assertThat(task.running()).isTrue();
    manager.afterTestClass();
    return new Ran((ConfigurableApplicationContext) context, task);
  }
}

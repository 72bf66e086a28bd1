/**
 * Prints the median round trip, in nanoseconds, of a cache line bounced between two threads.
 *
 * <p>Run by the training benchmarks before each engine's run ({@code java CoreToCore.java}): on
 * the shared 2-core VMs the hypervisor places the two virtual CPUs on cores that share a cache
 * (round trip ~55-70 ns) or on cores that do not (~330 ns), and moves them while we measure. Both
 * engines train `mlp` about twice as slowly in the second placement (their memory-bound kernels:
 * MKL's sqrt and sgemm's output scaling take 3-4x longer), so a figure means little without it.
 * The two spinning threads land on the two cores of an idle 2-core machine; on a busy one the
 * figure is meaningless, which others_load shows.
 */
public final class CoreToCore {

  private static volatile long ball;
  private static volatile boolean stop;

  public static void main(String[] args) throws InterruptedException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    Thread partner =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  long expected = 1;
                  while (!stop) {
                    if (ball == expected) {
                      ball = expected + 1;
                      expected += 2;
                    } else {
                      Thread.onSpinWait();
                    }
                  }
                });
    long[] perRound = new long[rounds];
    long next = 0;
    for (int warm = 0; warm < 2 + rounds; warm++) {
      int bounces = 20_000;
      long start = System.nanoTime();
      for (int i = 0; i < bounces; i++) {
        ball = next + 1;
        while (ball != next + 2) {
          Thread.onSpinWait();
        }
        next += 2;
      }
      long elapsed = System.nanoTime() - start;
      if (warm >= 2) {
        perRound[warm - 2] = elapsed / bounces;
      }
    }
    stop = true;
    partner.join();
    java.util.Arrays.sort(perRound);
    System.out.println(perRound[rounds / 2]);
  }
}

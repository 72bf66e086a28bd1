/**
 * Prints the median round trip, in nanoseconds, of a cache line bounced between two threads.
 *
 * <p>Run by the training benchmarks before each engine's run ({@code java CoreToCore.java}). On the
 * shared 2-vCPU AMD EPYC VMs it reads 50-70 ns at some times and ~330 ns (sometimes ~720) at others:
 * the hypervisor moves the vCPUs. The machine also flips, every few seconds to minutes, between a
 * state where both engines train `mlp` at ~75-88k images/s and one at ~45-55k, in which sgemm takes
 * the same time and the memory-bound kernels (MKL's sqrt, sgemm's output scaling) 4x longer. No link
 * between the two was shown (slow runs followed readings of 61-68 ns); the reading is recorded so
 * that a window's figures can be read with it. The two spinning threads land on
 * the two cores of an idle 2-core machine; on a busy one the figure is meaningless (others_load).
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

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * The prediction benchmark's client (bench/predict.sh): single-image PNG predictions against a
 * running server, with /actuator/health measured the same way in the same run as the reference.
 *
 * <pre>
 * throughput URL MODEL MNIST_DIR CLIENTS SECONDS   closed loop: requests/s, predict vs health
 * latency    URL MODEL MNIST_DIR RATE SECONDS      open loop at RATE req/s: p50/p99 latency
 * swap       URL MODEL MNIST_DIR CLIENTS SWAPS     load while production flips v1/v2: errors
 * </pre>
 *
 * One JSON line per measurement on stdout.
 */
public final class PredictBench {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  public static void main(String[] args) throws Exception {
    String url = args[1];
    String model = args[2];
    List<byte[]> pngs = pngs(Path.of(args[3]), 200);
    switch (args[0]) {
      case "throughput" -> throughput(url, model, pngs, Integer.parseInt(args[4]), Integer.parseInt(args[5]));
      case "latency" -> latency(url, model, pngs, Integer.parseInt(args[4]), Integer.parseInt(args[5]));
      case "swap" -> swap(url, model, pngs, Integer.parseInt(args[4]), Integer.parseInt(args[5]));
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  private static void throughput(String url, String model, List<byte[]> pngs, int clients, int seconds)
      throws Exception {
    closedLoop(url, model, pngs, clients, 2, false); // warm-up
    double predict = closedLoop(url, model, pngs, clients, seconds, false);
    double health = closedLoop(url, model, pngs, clients, seconds, true);
    System.out.printf(
        Locale.ROOT,
        "{\"benchmark\":\"predict-throughput\",\"clients\":%d,\"predict_rps\":%.0f,\"health_rps\":%.0f,\"ratio\":%.3f,\"target\":\"predict_rps >= 2000\",\"target_met\":%b}%n",
        clients, predict, health, predict / health, predict >= 2000);
  }

  private static double closedLoop(
      String url, String model, List<byte[]> pngs, int clients, int seconds, boolean health)
      throws Exception {
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
      List<Future<?>> all = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int offset = c;
        all.add(
            pool.submit(
                () -> {
                  int i = offset;
                  while (System.nanoTime() < end) {
                    int status = health ? health(url) : predict(url, model, pngs.get(i++ % pngs.size()));
                    (status == 200 ? done : errors).incrementAndGet();
                  }
                  return null;
                }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    if (errors.get() > 0) {
      System.err.println("bench: " + errors.get() + " failed requests");
    }
    return done.get() / (double) seconds;
  }

  private static void latency(String url, String model, List<byte[]> pngs, int rate, int seconds)
      throws Exception {
    long[] predict = openLoop(url, model, pngs, rate, seconds, false);
    long[] health = openLoop(url, model, pngs, rate, seconds, true);
    System.out.printf(
        Locale.ROOT,
        "{\"benchmark\":\"predict-latency\",\"rate\":%d,\"predict_p50_ms\":%.2f,\"predict_p99_ms\":%.2f,"
            + "\"health_p50_ms\":%.2f,\"health_p99_ms\":%.2f,\"p99_ratio\":%.2f,\"target\":\"predict_p99_ms <= 5\",\"target_met\":%b}%n",
        rate, ms(predict, 0.5), ms(predict, 0.99), ms(health, 0.5), ms(health, 0.99),
        ms(predict, 0.99) / ms(health, 0.99), ms(predict, 0.99) <= 5);
  }

  /** Requests sent on a fixed schedule; latency counts from the scheduled time (no omission). */
  private static long[] openLoop(
      String url, String model, List<byte[]> pngs, int rate, int seconds, boolean health)
      throws Exception {
    int n = rate * seconds;
    long[] latencies = new long[n];
    long start = System.nanoTime() + 100_000_000L;
    long interval = 1_000_000_000L / rate;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> all = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        long due = start + i * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        int k = i;
        all.add(
            pool.submit(
                () -> {
                  int status = health ? health(url) : predict(url, model, pngs.get(k % pngs.size()));
                  latencies[k] = status == 200 ? System.nanoTime() - due : Long.MAX_VALUE;
                  return null;
                }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    Arrays.sort(latencies);
    return latencies;
  }

  private static void swap(String url, String model, List<byte[]> pngs, int clients, int swaps)
      throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
      List<Future<?>> all = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int offset = c;
        all.add(
            pool.submit(
                () -> {
                  int i = offset;
                  while (!stop.get()) {
                    int status = predict(url, model, pngs.get(i++ % pngs.size()));
                    (status == 200 ? done : errors).incrementAndGet();
                  }
                  return null;
                }));
      }
      int swapErrors = 0;
      for (int s = 0; s < swaps; s++) {
        Thread.sleep(100);
        int status = send(HttpRequest.newBuilder(URI.create(url + "/api/v1/models/" + model + "/aliases/production"))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString("{\"version\":" + (s % 2 == 0 ? 2 : 1) + "}")));
        swapErrors += status == 200 ? 0 : 1;
      }
      Thread.sleep(100);
      stop.set(true);
      for (Future<?> f : all) {
        f.get();
      }
      System.out.printf(
          Locale.ROOT,
          "{\"benchmark\":\"predict-hot-swap\",\"clients\":%d,\"swaps\":%d,\"requests\":%d,\"errors\":%d,\"failed_swaps\":%d,\"target\":\"errors == 0\",\"target_met\":%b}%n",
          clients, swaps, done.get() + errors.get(), errors.get(), swapErrors,
          errors.get() == 0 && swapErrors == 0);
    }
  }

  private static int predict(String url, String model, byte[] png) throws IOException, InterruptedException {
    String boundary = "----bench";
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"d.png\"\r\n\r\n").getBytes());
    body.writeBytes(png);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes());
    return send(HttpRequest.newBuilder(URI.create(url + "/api/v1/models/" + model + "/predict"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
  }

  private static int health(String url) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(url + "/actuator/health")).GET());
  }

  private static int send(HttpRequest.Builder request) throws IOException, InterruptedException {
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  private static double ms(long[] sorted, double p) {
    long v = sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    return v == Long.MAX_VALUE ? Double.NaN : v / 1e6;
  }

  /** The first n MNIST test images as 28×28 grayscale PNGs. */
  private static List<byte[]> pngs(Path dir, int n) throws IOException {
    ByteBuffer images = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("t10k-images-idx3-ubyte")));
    List<byte[]> pngs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] pixels = new byte[784];
      images.get(16 + i * 784, pixels);
      BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      image.getRaster().setDataElements(0, 0, 28, 28, pixels);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(image, "png", out);
      pngs.add(out.toByteArray());
    }
    return pngs;
  }
}

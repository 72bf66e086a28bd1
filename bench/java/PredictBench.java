import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * The prediction benchmark's Java client (bench/predict.sh): single-image predictions against a
 * running server, with /actuator/health measured the same way in the same run as the reference.
 *
 * <pre>
 * pngs       MNIST_DIR OUT_DIR                              the first 200 test images as PNG files
 * throughput URL MODEL MNIST_DIR CLIENTS SECONDS BODY [PID] closed loop: req/s, predict vs health
 * latency    URL MODEL MNIST_DIR RATE SECONDS BODY          open loop at RATE req/s: p50/p99
 * swap       URL MODEL MNIST_DIR CLIENTS SWAPS BODY         load while production flips v1/v2
 * </pre>
 *
 * BODY is {@code raw} (the PNG as the body, {@code Content-Type: image/png}) or {@code multipart}.
 * Requests go over plain keep-alive HTTP/1.1 sockets with pre-built bytes: java.net.http's client
 * cost more CPU per request than the server's health endpoint, on the same two cores. One JSON line
 * per measurement on stdout.
 */
public final class PredictBench {

  public static void main(String[] args) throws Exception {
    if (args[0].equals("pngs")) {
      writePngs(Path.of(args[1]), Path.of(args[2]));
      return;
    }
    URI url = URI.create(args[1]);
    String model = args[2];
    List<byte[]> pngs = pngs(Path.of(args[3]), 200);
    int n = Integer.parseInt(args[4]);
    int m = Integer.parseInt(args[5]);
    boolean raw = !args[6].equals("multipart");
    List<byte[]> predicts = new ArrayList<>();
    for (byte[] png : pngs) {
      predicts.add(predictRequest(url, model, png, raw));
    }
    byte[] health = request(url, "GET", "/actuator/health", null, null);
    switch (args[0]) {
      case "throughput" -> throughput(url, predicts, health, n, m, args[6], args.length > 7 ? args[7] : null);
      case "latency" -> latency(url, predicts, health, n, m, args[6]);
      case "swap" -> swap(url, model, predicts, n, m, args[6]);
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  private static void throughput(
      URI url, List<byte[]> predicts, byte[] health, int clients, int seconds, String body, String pid)
      throws Exception {
    closedLoop(url, predicts, clients, 2, pid); // warm-up
    closedLoop(url, List.of(health), clients, 2, pid);
    double[] predict = closedLoop(url, predicts, clients, seconds, pid);
    double[] reference = closedLoop(url, List.of(health), clients, seconds, pid);
    System.out.printf(
        Locale.ROOT,
        "{\"benchmark\":\"predict-throughput\",\"client\":\"java\",\"body\":\"%s\",\"clients\":%d,\"predict_rps\":%.0f,\"health_rps\":%.0f,\"ratio\":%.3f,"
            + "\"predict_server_cpu_us\":%.0f,\"health_server_cpu_us\":%.0f,\"target\":\"predict_rps >= 2000\",\"target_met\":%b}%n",
        body, clients, predict[0], reference[0], predict[0] / reference[0], predict[1], reference[1],
        predict[0] >= 2000);
  }

  /** Requests per second, and the server's CPU microseconds per request (NaN without a pid). */
  private static double[] closedLoop(URI url, List<byte[]> requests, int clients, int seconds, String pid)
      throws Exception {
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long cpu0 = cpuNanos(pid);
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
      List<Future<?>> all = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int offset = c;
        all.add(
            pool.submit(
                () -> {
                  Connection connection = new Connection(url);
                  int i = offset;
                  while (System.nanoTime() < end) {
                    int status = connection.send(requests.get(i++ % requests.size()));
                    (status == 200 ? done : errors).incrementAndGet();
                  }
                  connection.close();
                  return null;
                }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu1 = cpuNanos(pid);
    if (errors.get() > 0) {
      System.err.println("bench: " + errors.get() + " failed requests");
    }
    return new double[] {
      done.get() / elapsed, cpu0 < 0 ? Double.NaN : (cpu1 - cpu0) / 1e3 / done.get()
    };
  }

  private static void latency(URI url, List<byte[]> predicts, byte[] health, int rate, int seconds, String body)
      throws Exception {
    openLoop(url, predicts, rate, 2); // warm-up of this client
    long[] predict = openLoop(url, predicts, rate, seconds);
    long[] reference = openLoop(url, List.of(health), rate, seconds);
    System.out.printf(
        Locale.ROOT,
        "{\"benchmark\":\"predict-latency\",\"client\":\"java\",\"body\":\"%s\",\"rate\":%d,\"predict_p50_ms\":%.2f,\"predict_p99_ms\":%.2f,"
            + "\"health_p50_ms\":%.2f,\"health_p99_ms\":%.2f,\"p99_ratio\":%.2f,\"target\":\"predict_p99_ms <= 5\",\"target_met\":%b}%n",
        body, rate, ms(predict, 0.5), ms(predict, 0.99), ms(reference, 0.5), ms(reference, 0.99),
        ms(predict, 0.99) / ms(reference, 0.99), ms(predict, 0.99) <= 5);
  }

  /**
   * Requests sent on a fixed schedule over a pool of keep-alive connections; latency counts from
   * the scheduled time, so a request that waits for a free connection or a stalled server is not
   * hidden (no coordinated omission).
   */
  private static long[] openLoop(URI url, List<byte[]> requests, int rate, int seconds)
      throws Exception {
    int n = rate * seconds;
    long[] latencies = new long[n];
    BlockingQueue<Connection> connections = new ArrayBlockingQueue<>(64);
    for (int c = 0; c < 64; c++) {
      connections.add(new Connection(url));
    }
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
                  Connection connection = connections.take();
                  try {
                    int status = connection.send(requests.get(k % requests.size()));
                    latencies[k] = status == 200 ? System.nanoTime() - due : Long.MAX_VALUE;
                  } finally {
                    connections.put(connection);
                  }
                  return null;
                }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    connections.forEach(Connection::close);
    Arrays.sort(latencies);
    return latencies;
  }

  private static void swap(URI url, String model, List<byte[]> predicts, int clients, int swaps, String body)
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
                  Connection connection = new Connection(url);
                  int i = offset;
                  while (!stop.get()) {
                    int status = connection.send(predicts.get(i++ % predicts.size()));
                    (status == 200 ? done : errors).incrementAndGet();
                  }
                  connection.close();
                  return null;
                }));
      }
      int swapErrors = 0;
      Connection admin = new Connection(url);
      for (int s = 0; s < swaps; s++) {
        Thread.sleep(100);
        byte[] json = ("{\"version\":" + (s % 2 == 0 ? 2 : 1) + "}").getBytes(StandardCharsets.UTF_8);
        int status = admin.send(request(url, "PUT", "/api/v1/models/" + model + "/aliases/production", "application/json", json));
        swapErrors += status == 200 ? 0 : 1;
      }
      admin.close();
      Thread.sleep(100);
      stop.set(true);
      for (Future<?> f : all) {
        f.get();
      }
      System.out.printf(
          Locale.ROOT,
          "{\"benchmark\":\"predict-hot-swap\",\"client\":\"java\",\"body\":\"%s\",\"clients\":%d,\"swaps\":%d,\"requests\":%d,\"errors\":%d,\"failed_swaps\":%d,\"target\":\"errors == 0\",\"target_met\":%b}%n",
          body, clients, swaps, done.get() + errors.get(), errors.get(), swapErrors,
          errors.get() == 0 && swapErrors == 0);
    }
  }

  private static byte[] predictRequest(URI url, String model, byte[] png, boolean raw) {
    String path = "/api/v1/models/" + model + "/predict";
    if (raw) {
      return request(url, "POST", path, "image/png", png);
    }
    String boundary = "----bench";
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"d.png\"\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    body.writeBytes(png);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    return request(url, "POST", path, "multipart/form-data; boundary=" + boundary, body.toByteArray());
  }

  /** A whole HTTP/1.1 request, head and body, ready to write. */
  private static byte[] request(URI url, String method, String path, String contentType, byte[] body) {
    StringBuilder head = new StringBuilder()
        .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        .append("Host: ").append(url.getHost()).append(':').append(url.getPort()).append("\r\n");
    if (body != null) {
      head.append("Content-Type: ").append(contentType).append("\r\n")
          .append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
    if (body != null) {
      out.writeBytes(body);
    }
    return out.toByteArray();
  }

  /**
   * One keep-alive connection: writes a pre-built request, reads the status and skips the body
   * (Content-Length or chunked). On an I/O error it answers -1 and reconnects for the next call.
   */
  private static final class Connection {
    private final URI url;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Connection(URI url) {
      this.url = url;
    }

    int send(byte[] request) {
      try {
        if (socket == null) {
          socket = new Socket(url.getHost(), url.getPort());
          socket.setTcpNoDelay(true);
          in = new BufferedInputStream(socket.getInputStream(), 16384);
          out = new BufferedOutputStream(socket.getOutputStream(), 16384);
        }
        out.write(request);
        out.flush();
        String status = line();
        int code = Integer.parseInt(status.substring(9, 12));
        long length = 0;
        boolean chunked = false;
        boolean close = false;
        for (String header = line(); !header.isEmpty(); header = line()) {
          String lower = header.toLowerCase(Locale.ROOT);
          if (lower.startsWith("content-length:")) {
            length = Long.parseLong(lower.substring(15).strip());
          } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
            chunked = true;
          } else if (lower.startsWith("connection:") && lower.contains("close")) {
            close = true;
          }
        }
        if (chunked) {
          for (long size = Long.parseLong(line().strip(), 16); size > 0; size = Long.parseLong(line().strip(), 16)) {
            in.skipNBytes(size);
            line();
          }
          while (!line().isEmpty()) {
            // trailers
          }
        } else {
          in.skipNBytes(length);
        }
        if (close) {
          close();
        }
        return code;
      } catch (IOException | RuntimeException e) {
        close();
        return -1;
      }
    }

    private String line() throws IOException {
      StringBuilder line = new StringBuilder();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new EOFException();
        }
        if (b != '\r') {
          line.append((char) b);
        }
      }
      return line.toString();
    }

    void close() {
      try {
        if (socket != null) {
          socket.close();
        }
      } catch (IOException e) {
        // closing anyway
      }
      socket = null;
    }
  }

  /** CPU time the process has used (user + system), from /proc; -1 when unknown. */
  private static long cpuNanos(String pid) {
    if (pid == null) {
      return -1;
    }
    try {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second
      // on Linux: USER_HZ).
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000_000L;
    } catch (IOException | RuntimeException e) {
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

  /** The same PNGs as files 0.png … 199.png, for wrk (bench/lib/predict.lua). */
  private static void writePngs(Path mnist, Path out) throws IOException {
    Files.createDirectories(out);
    List<byte[]> pngs = pngs(mnist, 200);
    for (int i = 0; i < pngs.size(); i++) {
      Files.write(out.resolve(i + ".png"), pngs.get(i));
    }
  }
}

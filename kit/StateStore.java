// The actor state store, asked one question: how many keys does a workflow instance still hold?
// Just enough of Redis's protocol (RESP) for SCAN, so the app needs no Redis client library.

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Redis at host:port, holding Dapr's actor state as appId||actorType||instanceId||key. */
public record StateStore(String host, int port) {
  /** HOST:PORT, or null for "not checked". */
  public static StateStore of(String hostPort) {
    if (hostPort == null) return null;
    int colon = hostPort.lastIndexOf(':');
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (RuntimeException e) {
      throw new Cli.Fail("--state-store takes HOST:PORT, got '" + hostPort + "'");
    }
    if (colon < 1 || port < 1 || port > 65535)
      throw new Cli.Fail(
          "--state-store takes HOST:PORT with a port from 1 to 65535, got '" + hostPort + "'");
    return new StateStore(hostPort.substring(0, colon), port);
  }

  /**
   * The number of keys naming this instance as the workflow actor's id, or -1 when Redis cannot be
   * read.
   */
  public int keysOf(String instanceId) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      InputStream in = new BufferedInputStream(s.getInputStream());
      String cursor = "0";
      int keys = 0;
      do {
        send(out, "SCAN", cursor, "MATCH", "*||" + instanceId + "||*", "COUNT", "1000");
        List<?> reply = (List<?>) read(in);
        cursor = (String) reply.get(0);
        keys += ((List<?>) reply.get(1)).size();
      } while (!cursor.equals("0"));
      return keys;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static void send(OutputStream out, String... words) throws IOException {
    StringBuilder sb = new StringBuilder("*" + words.length + "\r\n");
    for (String w : words)
      sb.append('$')
          .append(w.getBytes(StandardCharsets.UTF_8).length)
          .append("\r\n")
          .append(w)
          .append("\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  static Object read(InputStream in) throws IOException {
    int type = in.read();
    String line = readLine(in);
    switch (type) {
      case '*':
        {
          int n = Integer.parseInt(line);
          List<Object> items = new ArrayList<>();
          for (int i = 0; i < n; i++) items.add(read(in));
          return items;
        }
      case '$':
        {
          int n = Integer.parseInt(line);
          if (n < 0) return null;
          byte[] b = in.readNBytes(n + 2);
          return new String(b, 0, n, StandardCharsets.UTF_8);
        }
      case '+':
      case ':':
        return line;
      default:
        throw new IOException("Redis said: " + line);
    }
  }

  static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c; (c = in.read()) != '\r'; ) {
      if (c < 0) throw new IOException("connection closed");
      sb.append((char) c);
    }
    in.read(); // \n
    return sb.toString();
  }
}

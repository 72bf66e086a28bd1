package dev.digitlab.server.security;

import jakarta.servlet.http.HttpSession;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * At most {@code digitlab.auth.max-sessions-per-token} browser sessions per token: a login past the
 * cap ends that token's oldest session, so a script logging in in a loop holds a bounded amount of
 * server memory.
 */
@Component
class SessionsPerToken {

  private final int max;
  private final Map<Long, Deque<HttpSession>> sessions = new HashMap<>();

  SessionsPerToken(AuthSettings settings) {
    this.max = settings.maxSessionsPerToken();
  }

  /** Records a new session of this token, ending the oldest ones beyond the cap. */
  synchronized void loggedIn(long tokenId, HttpSession session) {
    Deque<HttpSession> mine = sessions.computeIfAbsent(tokenId, id -> new ArrayDeque<>());
    mine.removeIf(old -> old.getId().equals(session.getId()) || !valid(old));
    mine.addLast(session);
    while (mine.size() > max) {
      try {
        mine.removeFirst().invalidate();
      } catch (IllegalStateException alreadyEnded) {
        // It timed out or logged out meanwhile.
      }
    }
  }

  private static boolean valid(HttpSession session) {
    try {
      session.getCreationTime();
      return true;
    } catch (IllegalStateException ended) {
      return false;
    }
  }
}

package dev.digitlab.server.security;

import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * Who is signed in, for every page's header (name, role and the Logout button); absent with
 * authentication off. Here rather than in {@code web}, which imports no feature package.
 */
@ControllerAdvice(annotations = WebPage.class)
class SignedInModel {

  @ModelAttribute("signedIn")
  Caller signedIn(HttpServletRequest request) {
    return Caller.of(request).orElse(null);
  }
}

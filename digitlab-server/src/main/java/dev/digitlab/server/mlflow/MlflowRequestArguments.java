package dev.digitlab.server.mlflow;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Hands every MLflow handler its request's fields as one {@link MlflowRequest}, read the one way
 * MLflow's server reads them: the JSON body when there is one (POST, PATCH, and DELETE as the
 * Python client sends it), else the query string (GET, and DELETE from other clients). So no
 * handler reads bodies or query strings itself, and a GET and a POST of the same endpoint are one
 * method.
 */
@Configuration
class MlflowRequestArguments implements WebMvcConfigurer, HandlerMethodArgumentResolver {

  @Override
  public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
    resolvers.add(this);
  }

  @Override
  public boolean supportsParameter(MethodParameter parameter) {
    return parameter.getParameterType() == MlflowRequest.class;
  }

  @Override
  public MlflowRequest resolveArgument(
      MethodParameter parameter,
      ModelAndViewContainer container,
      NativeWebRequest webRequest,
      WebDataBinderFactory binders)
      throws IOException {
    HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
    if (request == null) {
      throw new IllegalStateException("MLflow handlers serve HTTP requests only");
    }
    // A body over digitlab.limits is refused while it is read (BodyTooLargeException).
    byte[] body = request.getInputStream().readAllBytes();
    return body.length == 0
        ? MlflowRequest.ofQuery(request.getParameterMap())
        : MlflowRequest.ofBody(body);
  }
}

package dev.digitlab.server.mlflow;

import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.parameters.RequestBody;
import java.util.Arrays;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The OpenAPI document's view of the MLflow handlers: their {@link MlflowRequest} is not a
 * parameter but the request's JSON body (a free-form object, as MLflow's REST reference has it) for
 * every method but GET, so that clients and ApiFuzzTest send bodies to them.
 */
@Configuration(proxyBeanMethods = false)
class MlflowApiDocs {

  static {
    SpringDocUtils.getConfig().addRequestWrapperToIgnore(MlflowRequest.class);
  }

  @Bean
  OperationCustomizer mlflowRequestBodies() {
    return (operation, handler) -> {
      boolean takesFields =
          Arrays.stream(handler.getMethodParameters())
              .anyMatch(parameter -> parameter.getParameterType() == MlflowRequest.class);
      if (takesFields
          && !handler.hasMethodAnnotation(GetMapping.class)
          && operation.getRequestBody() == null) {
        operation.setRequestBody(
            new RequestBody()
                .required(false)
                .content(
                    new Content()
                        .addMediaType(
                            org.springframework.http.MediaType.APPLICATION_JSON_VALUE,
                            new MediaType().schema(new ObjectSchema()))));
      }
      return operation;
    };
  }
}

package dev.digitlab.server.api;

import dev.digitlab.ml.json.Json;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.DeserializationFeature;

/**
 * Spring MVC's JSON mapper (request bodies, responses) gets the project's settings from {@link
 * Json}, on top of Spring Boot's own (problem details, {@code spring.jackson.*}), so a response and
 * a record written by the rest of the code base agree byte for byte.
 */
@Configuration(proxyBeanMethods = false)
class JsonSettings {

  @Bean
  JsonMapperBuilderCustomizer digitlabJsonSettings() {
    return builder ->
        Json.configure(builder).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }
}

package dev.digitlab.server.api;

import java.beans.PropertyDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.springframework.beans.BeanUtils;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.web.bind.annotation.BindParam;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.annotation.ModelAttributeMethodProcessor;
import org.springframework.web.method.annotation.RequestParamMapMethodArgumentResolver;
import org.springframework.web.method.annotation.RequestParamMethodArgumentResolver;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;

/**
 * The query parameters one handler method reads, found the way Spring MVC binds its arguments: each
 * argument is given to the first resolver that takes it, as at a request. A {@code RequestParam}
 * (annotated, or a plain {@code String}/number argument) is its name; a record or bean bound from
 * the query is its components or properties; a {@code @RequestParam Map} or one of our own
 * resolvers (MLflow's request reads the whole query) takes any name. Nothing is kept by hand, so a
 * parameter added to a handler is accepted at once.
 *
 * @param names the accepted names, sorted
 * @param anyName the handler takes every parameter (a map of them)
 */
record AcceptedParameters(SortedSet<String> names, boolean anyName) {

  private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

  static AcceptedParameters of(
      HandlerMethod handler, List<HandlerMethodArgumentResolver> resolvers) {
    SortedSet<String> names = new TreeSet<>();
    for (MethodParameter declared : handler.getMethodParameters()) {
      MethodParameter parameter = new MethodParameter(declared);
      parameter.initParameterNameDiscovery(NAMES);
      HandlerMethodArgumentResolver resolver = resolverOf(parameter, resolvers);
      if (resolver == null) {
        continue;
      }
      if (resolver instanceof RequestParamMapMethodArgumentResolver
          || resolver.getClass().getName().startsWith("dev.digitlab.")) {
        return new AcceptedParameters(new TreeSet<>(), true);
      }
      if (resolver instanceof RequestParamMethodArgumentResolver) {
        RequestParam annotation = parameter.getParameterAnnotation(RequestParam.class);
        String name = annotation == null ? "" : annotation.name();
        names.add(name.isEmpty() ? parameter.getParameterName() : name);
      } else if (resolver instanceof ModelAttributeMethodProcessor) {
        names.addAll(boundNames(parameter.nestedIfOptional().getNestedParameterType()));
      }
    }
    return new AcceptedParameters(names, false);
  }

  boolean accepts(String name) {
    if (anyName || names.contains(name)) {
      return true;
    }
    // A bean bound from the query also takes nested paths (a.b, a[0]) and WebDataBinder's field
    // markers (_a: the field was in the form; !a: its default).
    String root = name.replaceFirst("^[_!]", "").replaceFirst("[.\\[].*$", "");
    return !root.equals(name) && names.contains(root);
  }

  private static HandlerMethodArgumentResolver resolverOf(
      MethodParameter parameter, List<HandlerMethodArgumentResolver> resolvers) {
    for (HandlerMethodArgumentResolver resolver : resolvers) {
      if (resolver.supportsParameter(parameter)) {
        return resolver;
      }
    }
    return null;
  }

  /**
   * What WebDataBinder binds of a type: its constructor's arguments and its writable properties.
   */
  private static SortedSet<String> boundNames(Class<?> type) {
    SortedSet<String> names = new TreeSet<>();
    if (type.isRecord()) {
      for (RecordComponent component : type.getRecordComponents()) {
        names.add(component.getName());
      }
    }
    Constructor<?> constructor;
    try {
      constructor = BeanUtils.getResolvableConstructor(type);
    } catch (IllegalStateException noConstructor) {
      return names;
    }
    String[] discovered = NAMES.getParameterNames(constructor);
    Parameter[] parameters = constructor.getParameters();
    for (int i = 0; i < parameters.length; i++) {
      BindParam renamed = parameters[i].getAnnotation(BindParam.class);
      if (renamed != null) {
        names.add(renamed.value());
      } else if (discovered != null) {
        names.add(discovered[i]);
      }
    }
    for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(type)) {
      if (property.getWriteMethod() != null) {
        names.add(property.getName());
      }
    }
    return names;
  }
}

package dev.digitlab.server.feedback;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.serving.MnistPng;
import dev.digitlab.server.serving.PredictionInputs;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLConnection;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code /api/v1/models/{name}/feedback}: labelled images from users (the playground's confirm and
 * correct buttons), listed with filters and exported as IDX files.
 */
@RestController
class FeedbackController {

  private static final ObjectMapper JSON = Json.mapper();

  private final FeedbackIntake intake;
  private final FeedbackStore store;
  private final FeedbackImages images;
  private final FeedbackSet sets;
  private final PredictionInputs inputs;
  private final ModelRegistry registry;

  FeedbackController(
      FeedbackIntake intake,
      FeedbackStore store,
      FeedbackImages images,
      FeedbackSet sets,
      PredictionInputs inputs,
      ModelRegistry registry) {
    this.intake = intake;
    this.store = store;
    this.images = images;
    this.sets = sets;
    this.inputs = inputs;
    this.registry = registry;
  }

  @PostMapping(
      path = "/api/v1/models/{name}/feedback",
      consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
  ResponseEntity<Feedback> uploadFile(
      @PathVariable String name,
      @RequestPart("image") MultipartFile image,
      @RequestParam Integer label,
      @RequestParam(required = false) Integer predicted,
      @RequestParam(required = false) Integer version,
      @RequestParam(required = false) Double confidence)
      throws IOException {
    byte[] bytes = inputs.fromFiles(List.of(image)).getFirst().encoded();
    return created(intake.accept(name, bytes, label, predicted, version, confidence));
  }

  @PostMapping(path = "/api/v1/models/{name}/feedback", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Feedback> uploadJson(@PathVariable String name, InputStream body)
      throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(body.readNBytes(16 * 1024 * 1024));
    } catch (IOException | JacksonException e) {
      throw new InvalidParameterException("body", "is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidParameterException("body", "must be an object with 'image' or 'pixels'");
    }
    byte[] bytes;
    if (root.path("image").isString()) {
      bytes =
          inputs.fromBytes(inputs.decodeBase64(root.get("image").asString(), "image")).encoded();
    } else if (root.has("pixels")) {
      bytes = MnistPng.encode(inputs.fromPixels(root.get("pixels"), "").mnist());
    } else {
      throw new InvalidParameterException(
          "image", "send 'image' (base64 PNG, JPEG or GIF) or 'pixels' (784 values 0–255)");
    }
    return created(
        intake.accept(
            name,
            bytes,
            root.path("label").isInt() ? root.get("label").asInt() : null,
            root.path("predicted").isInt() ? root.get("predicted").asInt() : null,
            root.path("version").isInt() ? root.get("version").asInt() : null,
            root.path("confidence").isNumber() ? root.get("confidence").asDouble() : null));
  }

  @GetMapping("/api/v1/models/{name}/feedback")
  List<Feedback> list(
      @PathVariable String name,
      @RequestParam(required = false) Integer label,
      @RequestParam(required = false) Boolean used,
      @RequestParam(required = false) Boolean heldOut,
      @RequestParam(defaultValue = "100") int limit,
      @RequestParam(defaultValue = "0") int offset) {
    registry.get(name);
    if (limit < 1 || limit > 1000) {
      throw new InvalidParameterException("limit", "must be between 1 and 1000, got " + limit);
    }
    if (offset < 0) {
      throw new InvalidParameterException("offset", "must not be negative");
    }
    return store.list(new FeedbackQuery(name, label, used, heldOut, limit, offset));
  }

  @GetMapping("/api/v1/feedback/{id}/image")
  ResponseEntity<byte[]> image(@PathVariable long id) throws IOException {
    Feedback f = store.find(id).orElseThrow(() -> new NotFoundException("feedback", id));
    byte[] bytes = images.read(f.imageFile());
    String type = URLConnection.guessContentTypeFromStream(new ByteArrayInputStream(bytes));
    return ResponseEntity.ok()
        .contentType(MediaType.parseMediaType(type == null ? "application/octet-stream" : type))
        .body(bytes);
  }

  /**
   * A model's feedback in MNIST form as an IDX file: {@code images-idx3-ubyte} or {@code
   * labels-idx1-ubyte}, in intake order, optionally only unused ones. Written straight to the
   * response, an image at a time, with its length known up front.
   */
  @GetMapping("/api/v1/models/{name}/feedback/export/{file}")
  void export(
      @PathVariable String name,
      @PathVariable String file,
      @RequestParam(required = false) Boolean used,
      HttpServletResponse response)
      throws IOException {
    registry.get(name);
    boolean imagesFile =
        switch (file) {
          case "images-idx3-ubyte" -> true;
          case "labels-idx1-ubyte" -> false;
          default ->
              throw new NotFoundException(
                  "There is no export named "
                      + file
                      + "; use images-idx3-ubyte or labels-idx1-ubyte.");
        };
    List<Feedback> feedback =
        store.all(name).stream()
            .filter(f -> used == null || used == (f.usedByTrial() != null))
            .toList();
    response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
    response.setContentLengthLong(
        imagesFile
            ? FeedbackSet.imageFileSize(feedback.size())
            : FeedbackSet.labelFileSize(feedback.size()));
    response.setHeader(
        HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + name + "-" + file + "\"");
    OutputStream out = response.getOutputStream();
    if (imagesFile) {
      sets.writeImages(feedback, out);
    } else {
      FeedbackSet.writeLabels(feedback, out);
    }
    out.flush();
  }

  private static ResponseEntity<Feedback> created(Feedback f) {
    return ResponseEntity.created(URI.create("/api/v1/feedback/" + f.id())).body(f);
  }
}

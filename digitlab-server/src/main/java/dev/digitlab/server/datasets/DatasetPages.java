package dev.digitlab.server.datasets;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.security.NotOwnerException;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * {@code /datasets}: the built-in and registered datasets, a form that registers four IDX files
 * (within the multipart limits, {@code spring.servlet.multipart.max-file-size}: larger sets go
 * through {@code digitlab data add}), and a delete button.
 */
@Controller
@WebPage
class DatasetPages {

  private final DatasetRegistry registry;
  private final Ownership ownership;
  private final long maxDatasetBytes;

  DatasetPages(
      DatasetRegistry registry, Ownership ownership, dev.digitlab.server.api.RequestLimits limits) {
    this.registry = registry;
    this.ownership = ownership;
    this.maxDatasetBytes = limits.maxDatasetSize().toBytes();
  }

  @GetMapping("/datasets")
  String datasets(Model page, HttpServletRequest request) {
    page.addAttribute("builtIn", DatasetId.names());
    page.addAttribute("datasets", registry.list());
    page.addAttribute("mayChange", ownership.mayWrite(request));
    // Delete buttons only on the rows the caller may delete (its own, or any for an admin).
    page.addAttribute(
        "deletable",
        registry.list().stream()
            .filter(entry -> ownership.mayChange(request, entry.createdBy()))
            .map(entry -> entry.dataset().name())
            .toList());
    page.addAttribute("fileNames", RegisteredDataset.FILE_NAMES);
    return "datasets/list";
  }

  @PostMapping(path = "/datasets", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
  String add(
      @RequestParam(defaultValue = "") String name,
      @RequestParam(defaultValue = "10") int classes,
      @RequestParam(required = false) MultipartFile trainImages,
      @RequestParam(required = false) MultipartFile trainLabels,
      @RequestParam(required = false) MultipartFile testImages,
      @RequestParam(required = false) MultipartFile testLabels,
      RedirectAttributes redirect,
      HttpServletRequest request)
      throws IOException {
    String dataset = name.strip();
    try {
      registry.checkNewName(dataset);
      Path staging = registry.newStaging();
      try {
        DatasetUpload upload = new DatasetUpload(staging, maxDatasetBytes);
        // Arrays.asList: a field left empty may be null, which List.of refuses.
        List<MultipartFile> files =
            java.util.Arrays.asList(trainImages, trainLabels, testImages, testLabels);
        for (int i = 0; i < 4; i++) {
          MultipartFile file = files.get(i);
          if (file != null && !file.isEmpty()) {
            try (InputStream in = file.getInputStream()) {
              upload.put(i, file.getOriginalFilename(), in);
            }
          }
        }
        upload.checkComplete();
      } catch (RuntimeException | IOException e) {
        DatasetRegistry.deleteTree(staging);
        throw e;
      }
      DatasetRegistry.Entry entry =
          registry.add(dataset, classes, staging, ownership.ownerOf(request));
      redirect.addFlashAttribute(
          "message",
          "Registered "
              + dataset
              + ": "
              + entry.dataset().trainCount()
              + " training and "
              + entry.dataset().testCount()
              + " test images. Experiments name it with dataset: "
              + dataset
              + ".");
    } catch (ConflictException | InvalidParameterException e) {
      redirect.addFlashAttribute("error", e.getMessage());
    }
    return "redirect:/datasets";
  }

  @PostMapping("/datasets/{name}/delete")
  String delete(@PathVariable String name, RedirectAttributes redirect, HttpServletRequest request)
      throws IOException {
    try {
      // The API's rule: its creator or an admin.
      ownership.checkMayChange(request, "dataset " + name, registry.get(name).createdBy());
      registry.delete(name);
      redirect.addFlashAttribute("message", "Deleted dataset " + name + ".");
    } catch (ConflictException | NotFoundException | NotOwnerException e) {
      redirect.addFlashAttribute("error", e.getMessage());
    }
    return "redirect:/datasets";
  }
}

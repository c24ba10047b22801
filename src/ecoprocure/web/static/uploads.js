// Upload job page (pages/uploads.py): follow the job's progress; reload when it has ended.
(function () {
  "use strict";
  var status = document.getElementById("upload-status");
  var bar = document.getElementById("upload-progress");
  var text = document.getElementById("upload-progress-text");
  if (!status || !bar) { return; }
  var url = "/api/v1/uploads/" + encodeURIComponent(status.getAttribute("data-job"));
  var shown = status.getAttribute("data-status");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(poll, 5000); return; }
        if (job.progress > 0 || job.status !== "running") { bar.value = job.progress; }
        bar.textContent = Math.round(job.progress * 100) + "%";
        if (text) { text.textContent = Math.round(job.progress * 100) + "%"; }
        if (job.status !== shown) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();

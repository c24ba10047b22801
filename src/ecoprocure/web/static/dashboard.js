// Green procurement dashboard (pages/dashboard.py): draw each chart from the plotly figure the
// server embedded as JSON beside it. Without JavaScript the tables under the charts hold the same
// numbers. A drawn chart gets data-rendered="true" (the browser tests wait for it).
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = document.getElementById(el.dataset.spec);
      if (!spec) { return; }
      var figure = JSON.parse(spec.textContent);
      Plotly.newPlot(el, figure.data, figure.layout, { responsive: true, displaylogo: false })
        .then(function () { el.setAttribute("data-rendered", "true"); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

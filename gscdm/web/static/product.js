// Product page: the stage bar and the two hotspot treemaps, drawn with the bundled plotly.js
// from the numbers the server embedded (the footprint JSON of the Python API).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const config = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"]};
  const font = {family: "system-ui, 'Noto Sans CJK SC', sans-serif", size: 13};
  Plotly.newPlot("stage-chart", [{
    type: "bar", orientation: "h", x: data.stages.values, y: data.stages.labels,
    marker: {color: ["#3b6ea5", "#6c9a3b", "#c68a2b", "#b5473a", "#7a5c99"]},
    text: data.stages.text, textposition: "auto", hovertemplate: "%{y}: %{x:.2f} " + data.unit + "<extra></extra>",
  }], {margin: {l: 120, r: 20, t: 10, b: 40}, height: 240, font: font,
       xaxis: {title: {text: data.unit}}, yaxis: {autorange: "reversed"}}, config);
  for (const [id, tree] of [["part-chart", data.parts], ["material-chart", data.materials]]) {
    Plotly.newPlot(id, [{
      type: "treemap", ids: tree.ids, labels: tree.labels, parents: tree.parents,
      values: tree.values, customdata: tree.names, branchvalues: "total",
      texttemplate: "%{label}<br>%{value:.2f} (%{percentRoot:.1%})",
      hovertemplate: "%{label}<br>%{customdata}<br>%{value:.3f} " + data.unit + "<extra></extra>",
    }], {margin: {l: 0, r: 0, t: 0, b: 0}, height: 380, font: font}, config);
  }
})();

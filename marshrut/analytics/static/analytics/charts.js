// Draws every chart of the page from its Vega-Lite spec (a JSON script "spec-NAME" for the
// element "chart-NAME"); the table under each chart stays the source of its figures.
// ast + defaultStyle off: Vega would compile expressions with Function() and vega-embed would add
// and vega-tooltip a <style> element each, all refused by the Content-Security-Policy; the interpreter draws the same.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof vegaEmbed !== "function") return;
  document.querySelectorAll("script[type='application/json'][id^='spec-']").forEach((node) => {
    const target = document.getElementById("chart-" + node.id.slice(5));
    if (!target) return;
    const spec = JSON.parse(node.textContent);
    // Rows that several charts draw come once, in a "data-NAME" element.
    const shared = spec.data && spec.data.name && document.getElementById("data-" + spec.data.name);
    if (shared) spec.data = { values: JSON.parse(shared.textContent) };
    vegaEmbed(target, spec, {
      actions: false, renderer: "svg", ast: true, defaultStyle: false,
      tooltip: { disableDefaultStyle: true },  // its look is in site.css
    })
      .then(() => target.setAttribute("data-rendered", "1"))
      .catch((error) => { target.textContent = "График не построен: " + error; });
  });
});

// Show a question only when the earlier answer it depends on is given; the server checks again.
(function () {
  var form = document.getElementById("survey-form");
  function chosen(qid) {
    return Array.prototype.map.call(form.querySelectorAll('[name="q' + qid + '"]:checked'), function (i) { return i.value; });
  }
  function update() {
    form.querySelectorAll("[data-show-if]").forEach(function (box) {
      var wanted = box.dataset.showValues.split(",");
      var parent = form.querySelector('[data-question="' + box.dataset.showIf + '"]');
      var on = (!parent || !parent.hidden) && chosen(box.dataset.showIf).some(function (v) { return wanted.indexOf(v) >= 0; });
      box.hidden = !on;
    });
  }
  form.addEventListener("change", update);
  update();
})();

// Mark complete and save reflections without a full page reload. Without JavaScript the
// same forms post normally and the server redirects back, so nothing depends on this file.
(function () {
  "use strict";

  function post(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    // getAttribute: a button named "action" shadows the form.action property.
    return fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error || "Something went wrong. Please try again.");
        return body;
      });
    });
  }

  function updateProgress(state) {
    document.querySelectorAll("[data-progress]").forEach(function (el) {
      var bar = el.querySelector("progress");
      if (bar) { bar.value = state.percent; bar.textContent = state.percent + "%"; }
      var text = el.querySelector("[data-progress-text]");
      if (text) text.textContent = state.summary;
    });
  }

  // The server renders the panel ("Mark complete" answers with its markup): swap in its form
  // and what comes next, and keep this page's status region, so screen readers announce it.
  function renderProgressPanel(section, state) {
    var fresh = new DOMParser().parseFromString(state.panel, "text/html").querySelector("[data-lesson-progress]");
    section.className = fresh.className;
    section.querySelector("[data-progress-form]").replaceWith(fresh.querySelector("[data-progress-form]"));
    var next = section.querySelector("[data-next]");
    if (next) next.remove();
    var freshNext = fresh.querySelector("[data-next]");
    if (freshNext) section.querySelector("[data-progress-status]").before(freshNext);
    section.querySelector("[data-progress-status]").textContent = state.completed
      ? "Lesson marked complete. " + state.summary + "."
      : "Lesson marked as not complete. " + state.summary + ".";
  }

  function markSidebar(lessonId, done) {
    var item = document.querySelector('.lesson-list__item[data-lesson-id="' + lessonId + '"]');
    if (item) item.classList.toggle("is-done", done);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var section = form.closest("[data-lesson-progress]");
    if (form.matches("[data-progress-form]") && section) {
      event.preventDefault();
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      post(form, event.submitter).then(function (state) {
        renderProgressPanel(section, state);
        updateProgress(state);
        markSidebar(section.dataset.lessonId, state.completed);
        var focusTarget = section.querySelector("[data-next] a") || section.querySelector("button");
        if (focusTarget) focusTarget.focus();
      }).catch(function (error) {
        section.querySelector("[data-progress-status]").textContent = error.message;
        buttons.forEach(function (b) { b.disabled = false; });
      });
    } else if (form.matches("[data-reflection-form]")) {
      event.preventDefault();
      var status = form.querySelector("[data-reflection-status]");
      status.textContent = "Saving…";
      post(form, event.submitter).then(function () {
        status.textContent = "Saved just now";
      }).catch(function (error) {
        status.textContent = error.message;
      });
    }
  });
})();

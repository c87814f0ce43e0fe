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

  function renderProgressForm(section, state) {
    var form = section.querySelector("[data-progress-form]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").outerHTML;
    section.classList.toggle("is-complete", state.completed);
    form.innerHTML = token + (state.completed
      ? '<p class="lesson-progress__done"><span aria-hidden="true">✓</span> You completed this lesson.</p>' +
        '<button class="button button--secondary" type="submit" name="action" value="uncomplete">Mark as not complete</button>'
      : '<button class="button button--large" type="submit" name="action" value="complete">Mark complete</button>');
    var next = section.querySelector("[data-next]");
    next.hidden = !state.completed;
    if (state.completed) {
      next.innerHTML = "";
      var p = document.createElement("p");
      var a = document.createElement("a");
      a.className = "button";
      if (state.course_complete) {
        p.textContent = "That was the last one. You finished the course!";
        a.href = state.completion_url;
        a.textContent = "See your certificate";
      } else if (state.next_url) {
        p.textContent = "Up next: lesson " + state.next_number + ", “" + state.next_title + "”.";
        a.href = state.next_url;
        a.textContent = "Continue to lesson " + state.next_number;
      }
      if (a.href) { next.appendChild(p); next.appendChild(a); }
    }
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
        renderProgressForm(section, state);
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

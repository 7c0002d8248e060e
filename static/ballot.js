// The ballot's vote forms without a page reload (progressive enhancement: every form works
// without this script). A vote is sent with fetch; the server answers with the changed item
// and the progress, which take the place of the old ones. Focus stays on the control that
// sent the vote, and the message (saved, or why not) is announced in the page's live region.
// Anything unexpected (a network error, an expired session) sends the form the plain way.
(function () {
  "use strict";
  var announce = document.getElementById("ballot-announce");
  if (!announce || !window.fetch || !window.FormData || !("content" in document.createElement("template"))) {
    return;
  }

  function focusTarget(form) {
    // The same control in the new item: the chosen option, else the save button.
    var active = document.activeElement;
    if (active && form.contains(active) && active.name === "choice") {
      return 'input[name="choice"][value="' + active.value + '"]';
    }
    return 'button[type="submit"]';
  }

  function say(text) {
    // Emptied first, so the same message twice in a row is announced twice.
    announce.textContent = "";
    window.setTimeout(function () { announce.textContent = text; }, 50);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote-form")) {
      return;
    }
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") {
      return; // one vote at a time per item
    }
    form.setAttribute("aria-busy", "true");
    var section = form.closest(".agenda-item");
    var target = focusTarget(form);
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Ballot-Fragment": "item" },
      redirect: "manual"
    }).then(function (response) {
      if (response.status !== 200 && response.status !== 422) {
        throw new Error("plain");
      }
      return response.text();
    }).then(function (html) {
      var answer = document.createElement("template");
      answer.innerHTML = html;
      var fresh = answer.content.querySelector(".agenda-item");
      if (!fresh || !section || fresh.id !== section.id) {
        throw new Error("plain");
      }
      Array.prototype.forEach.call(answer.content.querySelectorAll("[id]"), function (part) {
        var old = document.getElementById(part.id);
        if (old && part.parentNode === answer.content) {
          old.replaceWith(part);
        }
      });
      var control = fresh.querySelector(target) || fresh.querySelector("h2");
      if (control) {
        if (control.tagName === "H2") {
          control.setAttribute("tabindex", "-1");
        }
        control.focus();
      }
      var message = answer.content.getElementById("ballot-message");
      if (message) {
        say(message.textContent.trim());
      }
    }).catch(function () {
      form.removeAttribute("aria-busy");
      form.submit();
    });
  });
})();

// paperboy needs no script to work; this only adds a copy button to the
// BibTeX box.
document.querySelectorAll("button[data-copy]").forEach(function (b) {
  var box = document.getElementById(b.dataset.copy);
  if (!box || !navigator.clipboard) return;
  b.hidden = false;
  b.addEventListener("click", function () {
    navigator.clipboard.writeText(box.value).then(function () {
      b.textContent = "Copied";
      setTimeout(function () { b.textContent = "Copy BibTeX"; }, 1500);
    });
  });
});

// Upvote buttons are forms that work without script; with it, they vote
// through the API without reloading the page. A visitor who is not signed
// in is sent to sign in, as the form would.
document.addEventListener("submit", function (e) {
  var form = e.target;
  if (!form.matches || !form.matches("form.upvote") || !window.fetch) return;
  e.preventDefault();
  var button = form.querySelector("button");
  var input = form.querySelector("input[name=vote]");
  var up = input.value !== "down";
  button.disabled = true;
  fetch("/api/papers/" + form.dataset.paper + "/upvote", {
    method: up ? "POST" : "DELETE",
    credentials: "same-origin",
    headers: { "Accept": "application/json" }
  }).then(function (res) {
    if (res.status === 401) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      return null;
    }
    if (!res.ok) throw new Error("vote failed: " + res.status);
    return res.json();
  }).then(function (body) {
    if (!body) return;
    button.setAttribute("aria-pressed", up ? "true" : "false");
    input.value = up ? "down" : "up";
    form.querySelector(".count").textContent = "\u25B2 " + body.upvotes;
    var label = button.querySelector(".visually-hidden");
    if (label) label.textContent = "Upvote, " + body.upvotes + (body.upvotes === 1 ? " upvote" : " upvotes");
  }).catch(function () {
    form.submit(); // fall back to the plain form, which shows any error
  }).finally(function () {
    button.disabled = false;
  });
});

// Save buttons work like upvotes: a form without script, the API with
// it, no reload.
document.addEventListener("submit", function (e) {
  var form = e.target;
  if (!form.matches || !form.matches("form.save") || !window.fetch) return;
  e.preventDefault();
  var button = form.querySelector("button");
  var input = form.querySelector("input[name=action]");
  var save = input.value !== "unsave";
  button.disabled = true;
  fetch("/api/library/" + form.dataset.paper, {
    method: save ? "PUT" : "DELETE",
    credentials: "same-origin",
    headers: { "Accept": "application/json" }
  }).then(function (res) {
    if (res.status === 401) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      return;
    }
    if (!res.ok) throw new Error("save failed: " + res.status);
    button.setAttribute("aria-pressed", save ? "true" : "false");
    input.value = save ? "unsave" : "save";
    var mark = button.querySelector(".mark");
    if (mark) mark.textContent = save ? "\u2713" : "+";
  }).catch(function () {
    form.submit(); // fall back to the plain form, which shows any error
  }).finally(function () {
    button.disabled = false;
  });
});

// Search as you type: the search box's list offers completions of what
// has been typed, phrases and titles (GET /api/suggest), through the
// browser's own accessible list. Picking one searches for it.
// The header's box, and the search page's own (which replaces it there).
[["q", "q-suggest"], ["sq", "sq-suggest"]].forEach(function (ids) {
  var box = document.getElementById(ids[0]);
  var list = document.getElementById(ids[1]);
  if (!box || !list || !window.fetch) return;
  var timer = null, last = "";
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = box.value.trim();
      if (q === last) return;
      last = q;
      if (q.length < 2) { list.replaceChildren(); return; }
      fetch("/api/suggest?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
        .then(function (res) { return res.ok ? res.json() : []; })
        .then(function (items) {
          if (box.value.trim() !== q) return; // typed on meanwhile
          list.replaceChildren.apply(list, items.map(function (it) {
            var o = document.createElement("option");
            o.value = it.title;
            return o;
          }));
        })
        .catch(function () {});
    }, 150);
  });
});

// Topic chips: grouping a query's results takes as long as the search, so
// the page comes without them and fetches them here (GET /search/topics,
// an HTML fragment rendered by the server; empty for a one-topic query).
// Readers without script get a link to the grouped page instead.
(function () {
  var slot = document.getElementById("topics");
  if (!slot || !window.fetch) return;
  fetch(slot.dataset.src, { headers: { "Accept": "text/html" } })
    .then(function (res) { return res.ok ? res.text() : ""; })
    .then(function (html) {
      if (!html.trim()) return;
      var doc = new DOMParser().parseFromString(html, "text/html");
      var nav = doc.querySelector("nav.topics");
      if (nav) slot.replaceChildren(document.importNode(nav, true));
    })
    .catch(function () {});
})();

// The feedback buttons of "For you" (i21-product) are one form without
// script; with it, they go to the API and the card says what was done:
// "not interested" and "fewer like this" take the paper off the page.
document.addEventListener("submit", function (e) {
  var form = e.target;
  if (!form.matches || !form.matches("form.feedback") || !window.fetch) return;
  var button = e.submitter;
  if (!button || button.name !== "signal") return;
  e.preventDefault();
  var signal = button.value;
  var buttons = form.querySelectorAll("button");
  buttons.forEach(function (b) { b.disabled = true; });
  fetch("/api/recommendations/feedback", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Accept": "application/json", "Content-Type": "application/json" },
    body: JSON.stringify({ id: form.dataset.paper, signal: signal })
  }).then(function (res) {
    if (res.status === 401) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      return;
    }
    if (!res.ok) throw new Error("feedback failed: " + res.status);
    var done = {
      save: "Saved to your library.",
      more_like_this: "Noted: more like this.",
      fewer_like_this: "Noted: fewer like this.",
      not_interested: "Noted: not interested."
    }[signal];
    var note = document.createElement("p");
    note.className = "feedback-done";
    note.setAttribute("role", "status");
    note.textContent = done;
    if (signal === "not_interested" || signal === "fewer_like_this") {
      var card = form.closest("article");
      // The heading that named the card is gone: the note names it now.
      card.removeAttribute("aria-labelledby");
      card.setAttribute("aria-label", "Dismissed recommendation");
      card.replaceChildren(note);
      card.classList.add("dismissed");
    } else {
      button.remove();
      form.appendChild(note);
    }
  }).catch(function () {
    // The plain form, which shows any error; submit() sends no button,
    // so the signal goes as a field.
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = "signal";
    field.value = signal;
    form.appendChild(field);
    form.submit();
  }).finally(function () {
    buttons.forEach(function (b) { b.disabled = false; });
  });
});

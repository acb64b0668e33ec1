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

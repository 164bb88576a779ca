/* Money actions (accept a funding, approve, execute, declare settled…) ask before they post:
   a form carrying data-confirm="question" is sent only once the user confirms. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// A visitor's full page: the box of messages takes the height left on the screen, from where it
// starts on the first screen (or from under the top bar once scrolled to, on a phone, where the
// Info card comes first), so the newest message and the reply box are in view together. Fitted
// again when the window changes size and when the conversation is replaced (a reply, an update).
(function () {
  const MIN_HEIGHT = 200;
  const MARGIN = 16;

  function fit() {
    const list = document.querySelector(".card--conversation [data-conversation]");
    if (!list) return;
    const card = list.closest(".card--conversation");
    const atEnd = !list.dataset.fitted || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const cardBox = card.getBoundingClientRect();
    const listBox = list.getBoundingClientRect();
    const below = cardBox.bottom - listBox.bottom;
    const top = listBox.top + window.scrollY;
    const topbar = document.querySelector(".topbar");
    const from = top < window.innerHeight ? top : (topbar ? topbar.offsetHeight : 0) + (listBox.top - cardBox.top) + MARGIN;
    list.style.maxHeight = Math.max(MIN_HEIGHT, window.innerHeight - from - below - MARGIN) + "px";
    list.dataset.fitted = "1";
    if (atEnd) list.scrollTop = list.scrollHeight;
  }

  function start() {
    const card = document.querySelector(".card--conversation");
    if (!card) return;
    fit();
    window.addEventListener("resize", fit);
    new MutationObserver(fit).observe(card, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

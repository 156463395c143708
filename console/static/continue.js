/*
 * The page a caller opens from the link a hotline agent sent (SMS or WeChat): /chat/continue#<token>.
 * The token rides in the fragment, which no server sees. Nothing happens until the caller presses
 * the button, so a link preview cannot use up a link that opens once. Then the console opens the
 * link (a web chat session already on the item) and this page hands that session and the chat's
 * first words to the web chat widget through the tab's sessionStorage, under the widget's own
 * keys (console/static/widget.js, KEY), and loads the widget, which carries on from there: the
 * caller verifies themself in the chat, and the application flow finds their draft.
 */
(function () {
  "use strict";
  var WIDGET_SESSION = "banshi.session", WIDGET_TRANSCRIPT = "banshi.transcript";
  var go = document.getElementById("go");
  var state = document.getElementById("state");
  var token = location.hash.replace(/^#/, "");

  function keep(key, value) {
    try { window.sessionStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }
  function forgetToken() {
    if (window.history && history.replaceState) { history.replaceState(null, "", location.pathname); }
  }
  function widget() {
    var script = document.createElement("script");
    script.src = "/widget.js";
    script.setAttribute("data-open", "true");
    document.body.appendChild(script);
  }
  function done(message) {
    state.textContent = message;
    go.hidden = true;
    forgetToken();
    widget();
  }

  if (!token) {
    done("没有找到链接内容。您可以直接在右下角的办事助手里说“继续办理”，核验身份后接着填写。");
    return;
  }
  go.addEventListener("click", function () {
    go.disabled = true;
    state.textContent = "正在打开，请稍候…";
    fetch("/chat/continue", {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ token: token })
    }).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (body) {
        if (answer.status >= 500) {  // the service is away: the link is still good, try again
          go.disabled = false;
          state.textContent = body.message || "服务暂时繁忙，请稍后再点一次。";
          return;
        }
        if (answer.ok && body.session) {
          keep(WIDGET_SESSION, body.session);
          keep(WIDGET_TRANSCRIPT, body.transcript || []);
        }
        done(body.message || "这个链接已经失效，您可以直接在办事助手里说“继续办理”。");
      });
    }, function () {
      go.disabled = false;
      state.textContent = "网络连接失败，请检查网络后再点一次。";
    });
  });
})();

/*
 * After-sales live chat widget. A shop embeds it with one tag:
 *
 *   <script src="https://<site>/static/chat/widget.js" data-widget="<widget key>" async></script>
 *
 * Optional attributes: data-api (the chat API's URL, when the script is served from elsewhere,
 * e.g. a CDN; default: <site>/api/v1/channels/chat/), data-lang ("en" or "zh"; default: from
 * navigator.language).
 *
 * Plain JavaScript, no dependencies. The widget lives in a shadow root, so the shop's CSS and the
 * widget's do not meet. Everything the visitor, the agent or the server wrote is put on the page
 * with textContent only. The session token is kept in localStorage per widget key, so a reload
 * continues the chat. New messages arrive by server-sent events (EventSource), or by polling every
 * 3 seconds where that is not available or keeps failing.
 */
(function () {
  "use strict";

  var script =
    document.currentScript || document.querySelector('script[data-widget][src*="chat/widget"]');
  if (!script || !script.getAttribute("data-widget")) {
    return;
  }
  var KEY = script.getAttribute("data-widget");
  window.__aftersalesChat = window.__aftersalesChat || {};
  if (window.__aftersalesChat[KEY]) {
    return; // the tag is on the page twice
  }
  window.__aftersalesChat[KEY] = true;

  var STRINGS = {
    en: {
      launcher: "Chat with us",
      title: "Customer service",
      close: "Close",
      intro: "Tell us who you are, and we will find your order.",
      email: "Email",
      order: "Order number",
      name: "Your name",
      optional: "optional",
      first: "How can we help?",
      start: "Start chat",
      needOne: "Give your email address or your order number.",
      placeholder: "Write a message…",
      send: "Send",
      end: "End chat",
      ended: "This chat has ended.",
      newChat: "Start a new chat",
      sending: "Sending…",
      failed: "Not sent. Click to try again.",
      offline: "Connection lost. Trying again…",
      you: "You",
      agent: "Customer service",
      error: "Something went wrong. Please try again.",
      waiting: "An agent will answer here shortly.",
      verifyIntro:
        "Is this your order? Prove it with a one-time code sent to the email or phone on file, and we can talk about your orders here.",
      codeByEmail: "Send code by email",
      codeBySms: "Send code by SMS",
      code: "Code",
      verify: "Verify",
      verified: "Thank you: you are verified.",
    },
    zh: {
      launcher: "在线客服",
      title: "在线客服",
      close: "关闭",
      intro: "请留下联系方式，我们好找到您的订单。",
      email: "邮箱",
      order: "订单号",
      name: "您的称呼",
      optional: "选填",
      first: "请问有什么可以帮您？",
      start: "开始咨询",
      needOne: "请填写邮箱或订单号。",
      placeholder: "输入消息…",
      send: "发送",
      end: "结束会话",
      ended: "本次会话已结束。",
      newChat: "开始新的会话",
      sending: "发送中…",
      failed: "发送失败，点击重试。",
      offline: "连接中断，正在重试…",
      you: "我",
      agent: "客服",
      error: "出错了，请稍后再试。",
      waiting: "客服会尽快在这里回复您。",
      verifyIntro: "这是您的订单吗？请输入发送到订单预留邮箱或手机的一次性验证码，验证后我们才能在这里和您谈订单详情。",
      codeByEmail: "发送邮箱验证码",
      codeBySms: "发送短信验证码",
      code: "验证码",
      verify: "验证",
      verified: "验证成功，谢谢。",
    },
  };
  var wanted = (script.getAttribute("data-lang") || navigator.language || "en").toLowerCase();
  var LANG = wanted.indexOf("zh") === 0 ? "zh" : "en";
  var T = STRINGS[LANG];

  var src = new URL(script.src, location.href);
  var API = script.getAttribute("data-api");
  if (!API) {
    var prefix = src.pathname.match(/^(.*\/)static\/chat\/widget[^/]*\.js$/);
    API = src.origin + (prefix ? prefix[1] : "/") + "api/v1/channels/chat/";
  }
  if (API.charAt(API.length - 1) !== "/") {
    API += "/";
  }
  var STORE = "aftersales-chat:" + KEY;
  var POLL_MS = 3000;

  // --- state ------------------------------------------------------------------------------------

  var state = load();
  var shown = {}; // message id -> element
  var pending = {}; // client id -> element, for messages on their way
  var stream = null;
  var pollTimer = null;
  var streamFailures = 0;
  var useStream = typeof window.EventSource === "function";

  function load() {
    try {
      return JSON.parse(localStorage.getItem(STORE)) || {};
    } catch (e) {
      return {};
    }
  }

  function save() {
    try {
      localStorage.setItem(STORE, JSON.stringify(state));
    } catch (e) {
      /* private mode: the chat still works until the page is left */
    }
  }

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    return "c-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // --- the DOM (built with createElement and textContent only) -----------------------------------

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        node.setAttribute(name, attrs[name]);
      });
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  var CSS =
    ":host{all:initial}" +
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei',sans-serif}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:999px;" +
    "padding:12px 18px;background:#1f5fbf;color:#fff;font-size:15px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ".launcher:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f0b400;outline-offset:2px}" +
    ".launcher .dot{display:inline-block;width:9px;height:9px;margin-left:8px;border-radius:50%;background:#ffcc00;vertical-align:middle}" +
    ".panel{position:fixed;right:20px;bottom:84px;z-index:2147483001;width:360px;max-width:calc(100vw - 24px);" +
    "height:540px;max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;color:#1b1b1b;" +
    "border-radius:12px;box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden;font-size:14px;line-height:1.4}" +
    ".panel[hidden],[hidden]{display:none!important}" +
    "header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:#1f5fbf;color:#fff}" +
    "header h2{flex:1;margin:0;font-size:16px;font-weight:600}" +
    "header button{border:0;background:transparent;color:#fff;font-size:13px;cursor:pointer;padding:4px 6px;border-radius:4px}" +
    "header .x{font-size:20px;line-height:1}" +
    ".start{padding:16px;overflow:auto;display:flex;flex-direction:column;gap:10px}" +
    ".start p{margin:0;color:#444}" +
    "label{display:flex;flex-direction:column;gap:4px;font-size:13px;color:#333}" +
    "label small{color:#777}" +
    "input,textarea{width:100%;padding:8px 10px;border:1px solid #b9c2cf;border-radius:6px;font-size:14px;color:#1b1b1b;background:#fff}" +
    "textarea{resize:none}" +
    ".primary{border:0;border-radius:6px;padding:10px 14px;background:#1f5fbf;color:#fff;font-size:14px;cursor:pointer}" +
    ".primary[disabled]{opacity:.6;cursor:default}" +
    ".error{color:#b00020;margin:0;font-size:13px}" +
    ".chat{flex:1;display:flex;flex-direction:column;min-height:0}" +
    "ol{flex:1;list-style:none;margin:0;padding:12px;overflow-y:auto;display:flex;flex-direction:column;gap:8px;background:#f4f6f9}" +
    "li{max-width:82%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere}" +
    "li .who{display:block;font-size:11px;color:#667;margin-bottom:2px}" +
    "li.in{align-self:flex-end;background:#1f5fbf;color:#fff}" +
    "li.in .who{color:#d6e3ff}" +
    "li.out{align-self:flex-start;background:#fff;border:1px solid #dde3ea}" +
    "li.note{align-self:center;background:transparent;color:#667;font-size:12px;text-align:center}" +
    "li.sending{opacity:.6}" +
    "li.failed{background:#fde7ea;color:#7a0016;cursor:pointer}" +
    ".status{margin:0;padding:4px 12px;font-size:12px;color:#8a5a00;background:#fff7e0}" +
    ".compose{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e7ee}" +
    ".compose textarea{flex:1;height:42px}" +
    ".endbox{padding:12px;text-align:center;border-top:1px solid #e3e7ee}" +
    ".endbox p{margin:0 0 8px}" +
    ".verify{display:flex;flex-direction:column;gap:6px;padding:10px 12px;border-top:1px solid #e3e7ee;background:#f7f9ff}" +
    ".verify p{margin:0;font-size:13px;color:#333}" +
    ".verify p.error{color:#b00020}" +
    ".verify .row{display:flex;gap:6px;align-items:flex-end}" +
    ".verify .row label{flex:1}" +
    ".secondary{border:1px solid #1f5fbf;border-radius:6px;padding:6px 10px;background:#fff;color:#1f5fbf;font-size:13px;cursor:pointer}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100vh;max-height:100vh;border-radius:0}}";

  var host = el("div", { id: "aftersales-chat-" + KEY.replace(/[^A-Za-z0-9_-]/g, "") });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function" && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(el("style", null, CSS));
  }

  var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false" }, T.launcher);
  var dot = el("span", { class: "dot", hidden: "" });
  launcher.appendChild(dot);

  var panel = el("section", { class: "panel", role: "dialog", "aria-label": T.title, hidden: "" });
  var header = el("header");
  header.appendChild(el("h2", null, T.title));
  var endButton = el("button", { type: "button", class: "end", hidden: "" }, T.end);
  var closeButton = el("button", { type: "button", class: "x", "aria-label": T.close, title: T.close }, "×");
  header.appendChild(endButton);
  header.appendChild(closeButton);
  panel.appendChild(header);

  function field(id, label, type, optional, attrs) {
    var wrap = el("label", { for: id });
    var caption = el("span", null, label + " ");
    if (optional) {
      caption.appendChild(el("small", null, "(" + T.optional + ")"));
    }
    wrap.appendChild(caption);
    var input = el(type === "textarea" ? "textarea" : "input", Object.assign({ id: id, name: id }, attrs || {}));
    if (type !== "textarea") {
      input.setAttribute("type", type);
    }
    wrap.appendChild(input);
    return { wrap: wrap, input: input };
  }

  var startForm = el("form", { class: "start", novalidate: "" });
  startForm.appendChild(el("p", null, T.intro));
  var emailField = field("chat-email", T.email, "email", false, { autocomplete: "email", maxlength: "254" });
  var orderField = field("chat-order", T.order, "text", false, { maxlength: "64", autocomplete: "off" });
  var nameField = field("chat-name", T.name, "text", true, { autocomplete: "name", maxlength: "200" });
  var firstField = field("chat-first", T.first, "textarea", false, { rows: "3", maxlength: "5000" });
  [emailField, orderField, nameField, firstField].forEach(function (f) {
    startForm.appendChild(f.wrap);
  });
  var startError = el("p", { class: "error", role: "alert", hidden: "" });
  startForm.appendChild(startError);
  var startButton = el("button", { type: "submit", class: "primary" }, T.start);
  startForm.appendChild(startButton);
  panel.appendChild(startForm);

  var chatBox = el("div", { class: "chat", hidden: "" });
  var list = el("ol", { "aria-live": "polite", "aria-label": T.title });
  var status = el("p", { class: "status", role: "status", hidden: "" });
  var compose = el("form", { class: "compose" });
  var textBox = el("textarea", {
    id: "chat-text",
    name: "text",
    rows: "2",
    maxlength: "5000",
    placeholder: T.placeholder,
    "aria-label": T.placeholder,
  });
  var sendButton = el("button", { type: "submit", class: "primary" }, T.send);
  compose.appendChild(textBox);
  compose.appendChild(sendButton);
  var endBox = el("div", { class: "endbox", hidden: "" });
  endBox.appendChild(el("p", null, T.ended));
  var newChatButton = el("button", { type: "button", class: "primary" }, T.newChat);
  endBox.appendChild(newChatButton);
  // The code step: shown while the visitor has not proven to be the customer they named.
  var verifyBox = el("form", { class: "verify", novalidate: "", hidden: "" });
  verifyBox.appendChild(el("p", null, T.verifyIntro));
  var codeOrderField = field("chat-code-order", T.order, "text", false, { maxlength: "64", autocomplete: "off" });
  verifyBox.appendChild(codeOrderField.wrap);
  var sendRow = el("div", { class: "row" });
  var byEmailButton = el("button", { type: "button", class: "secondary", "data-via": "email" }, T.codeByEmail);
  var bySmsButton = el("button", { type: "button", class: "secondary", "data-via": "phone" }, T.codeBySms);
  sendRow.appendChild(byEmailButton);
  sendRow.appendChild(bySmsButton);
  verifyBox.appendChild(sendRow);
  var codeRow = el("div", { class: "row" });
  var codeField = field("chat-code", T.code, "text", false, {
    inputmode: "numeric",
    autocomplete: "one-time-code",
    maxlength: "12",
  });
  var verifyButton = el("button", { type: "submit", class: "primary" }, T.verify);
  codeRow.appendChild(codeField.wrap);
  codeRow.appendChild(verifyButton);
  verifyBox.appendChild(codeRow);
  var verifyMessage = el("p", { class: "error", role: "alert", hidden: "" });
  verifyBox.appendChild(verifyMessage);
  chatBox.appendChild(list);
  chatBox.appendChild(verifyBox);
  chatBox.appendChild(status);
  chatBox.appendChild(compose);
  chatBox.appendChild(endBox);
  panel.appendChild(chatBox);

  root.appendChild(launcher);
  root.appendChild(panel);

  // --- talking to the server --------------------------------------------------------------------

  function api(method, path, body) {
    var options = {
      method: method,
      headers: { Accept: "application/json" },
      credentials: "omit",
      mode: "cors",
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (!response.ok) {
            var error = new Error((data && data.detail) || T.error);
            error.status = response.status;
            error.code = data && data.code;
            throw error;
          }
          return data;
        });
    });
  }

  function sessionPath(rest) {
    return "sessions/" + encodeURIComponent(state.token) + "/" + rest;
  }

  // --- showing messages -------------------------------------------------------------------------

  function timeOf(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) {
      return "";
    }
    return date.toLocaleTimeString(LANG === "zh" ? "zh-CN" : "en", { hour: "2-digit", minute: "2-digit" });
  }

  function fill(item, who, text) {
    item.textContent = "";
    item.appendChild(el("span", { class: "who" }, who));
    item.appendChild(document.createTextNode(text));
  }

  function note(text) {
    list.appendChild(el("li", { class: "note" }, text));
    list.scrollTop = list.scrollHeight;
  }

  function addMessage(message) {
    if (!message || shown[message.id]) {
      return;
    }
    var item = message.client_id && pending[message.client_id];
    if (item) {
      delete pending[message.client_id];
      item.className = "in";
    } else {
      item = el("li", { class: message.direction === "out" ? "out" : "in" });
      list.appendChild(item);
    }
    item.setAttribute("data-id", String(message.id));
    var who = message.direction === "out" ? message.author || T.agent : T.you;
    var when = timeOf(message.created_at);
    fill(item, when ? who + " · " + when : who, message.text);
    shown[message.id] = item;
    if (message.id > (state.lastId || 0)) {
      state.lastId = message.id;
      save();
    }
    if (message.direction === "out" && panel.hidden) {
      dot.hidden = false;
    }
    list.scrollTop = list.scrollHeight;
  }

  function showStatus(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  // --- receiving --------------------------------------------------------------------------------

  function stopReceiving() {
    if (stream) {
      stream.close();
      stream = null;
    }
    if (pollTimer) {
      clearTimeout(pollTimer);
      pollTimer = null;
    }
  }

  function receive() {
    stopReceiving();
    if (!state.token || state.ended) {
      return;
    }
    if (useStream) {
      openStream();
    } else {
      schedulePoll(POLL_MS);
    }
  }

  function openStream() {
    var url = API + sessionPath("events/") + "?after=" + (state.lastId || 0);
    stream = new EventSource(url);
    stream.onopen = function () {
      streamFailures = 0;
      showStatus("");
    };
    stream.addEventListener("message", function (event) {
      try {
        addMessage(JSON.parse(event.data));
      } catch (e) {
        /* a frame we do not understand: the next poll or reconnect catches up */
      }
    });
    stream.addEventListener("ended", function () {
      showEnded();
    });
    stream.onerror = function () {
      // The server closes each stream after a while and the browser reconnects by itself; give
      // up on streaming when it refuses (closed) or fails again and again, and poll instead.
      streamFailures += 1;
      if (!stream || stream.readyState === EventSource.CLOSED || streamFailures >= 3) {
        useStream = false;
        stopReceiving();
        poll();
      }
    };
  }

  function schedulePoll(ms) {
    if (pollTimer) {
      clearTimeout(pollTimer);
    }
    pollTimer = setTimeout(poll, ms);
  }

  function poll() {
    pollTimer = null;
    if (!state.token || state.ended) {
      return;
    }
    api("GET", sessionPath("messages/") + "?after=" + (state.lastId || 0))
      .then(function (page) {
        showStatus("");
        page.messages.forEach(addMessage);
        if (page.ended) {
          showEnded();
        } else {
          schedulePoll(page.more ? 0 : POLL_MS);
        }
      })
      .catch(function (error) {
        if (error.status === 404) {
          reset();
          return;
        }
        showStatus(T.offline);
        schedulePoll(POLL_MS * 2);
      });
  }

  function loadHistory() {
    // After a reload: everything so far, page by page, then new messages as they come.
    var after = 0;
    function next() {
      return api("GET", sessionPath("messages/") + "?after=" + after).then(function (page) {
        page.messages.forEach(addMessage);
        if (page.messages.length) {
          after = page.messages[page.messages.length - 1].id;
        }
        if (page.more) {
          return next();
        }
        return page;
      });
    }
    return next();
  }

  // --- the visitor's actions --------------------------------------------------------------------

  function showChat() {
    startForm.hidden = true;
    chatBox.hidden = false;
    endButton.hidden = !!state.ended;
    compose.hidden = !!state.ended;
    endBox.hidden = !state.ended;
    verifyBox.hidden = !!state.ended || state.verified !== false;
    codeOrderField.wrap.hidden = !!state.order;
  }

  function sayInVerify(text, isError) {
    verifyMessage.textContent = text || "";
    verifyMessage.className = isError ? "error" : "";
    verifyMessage.hidden = !text;
  }

  function askCode(via) {
    var body = { via: via };
    if (!state.order) {
      body.order_number = codeOrderField.input.value.trim();
    }
    byEmailButton.disabled = bySmsButton.disabled = true;
    api("POST", sessionPath("code/"), body)
      .then(function (data) {
        sayInVerify(data.detail, false);
        codeField.input.focus();
      })
      .catch(function (error) {
        sayInVerify(error.status ? error.message : T.error, true);
      })
      .then(function () {
        byEmailButton.disabled = bySmsButton.disabled = false;
      });
  }

  function enterCode(event) {
    event.preventDefault();
    var code = codeField.input.value.trim();
    if (!code) {
      codeField.input.focus();
      return;
    }
    verifyButton.disabled = true;
    api("POST", sessionPath("verify/"), { code: code })
      .then(function () {
        state.verified = true;
        save();
        codeField.input.value = "";
        sayInVerify("", false);
        showChat();
        note(T.verified);
      })
      .catch(function (error) {
        if (error.status === 404) {
          reset();
          return;
        }
        sayInVerify(error.status ? error.message : T.error, true);
      })
      .then(function () {
        verifyButton.disabled = false;
      });
  }

  function showStart() {
    chatBox.hidden = true;
    endButton.hidden = true;
    startForm.hidden = false;
    startButton.disabled = false;
  }

  function showEnded() {
    state.ended = true;
    save();
    stopReceiving();
    showStatus("");
    showChat();
  }

  function reset() {
    stopReceiving();
    state = { open: !panel.hidden };
    save();
    shown = {};
    pending = {};
    list.textContent = "";
    showStatus("");
    sayInVerify("", false);
    useStream = typeof window.EventSource === "function";
    streamFailures = 0;
    showStart();
  }

  function startChat(event) {
    event.preventDefault();
    var email = emailField.input.value.trim();
    var order = orderField.input.value.trim();
    var text = firstField.input.value.trim();
    startError.hidden = true;
    if (!email && !order) {
      startError.textContent = T.needOne;
      startError.hidden = false;
      emailField.input.focus();
      return;
    }
    startButton.disabled = true;
    var clientId = text ? newId() : "";
    api("POST", "sessions/", {
      widget: KEY,
      email: email,
      order_number: order,
      name: nameField.input.value.trim(),
      text: text,
      client_id: clientId,
    })
      .then(function (data) {
        state = {
          token: data.token,
          lastId: 0,
          greeting: data.greeting,
          open: !panel.hidden,
          verified: data.verified !== false,
          order: !!order,
        };
        save();
        list.textContent = "";
        showChat();
        note(data.greeting);
        if (data.message) {
          addMessage(data.message);
          note(T.waiting);
        }
        firstField.input.value = "";
        receive();
        textBox.focus();
      })
      .catch(function (error) {
        startError.textContent = error.status ? error.message : T.error; // a network error says nothing useful
        startError.hidden = false;
        startButton.disabled = false;
      });
  }

  function deliver(item, text, clientId) {
    item.className = "in sending";
    fill(item, T.sending, text);
    api("POST", sessionPath("messages/"), { text: text, client_id: clientId })
      .then(function (data) {
        addMessage(data.message);
      })
      .catch(function (error) {
        if (error.status === 404) {
          reset();
          return;
        }
        if (error.code === "chat_ended") {
          item.remove();
          delete pending[clientId];
          showEnded();
          return;
        }
        item.className = "in failed";
        fill(item, error.status === 400 ? error.message : T.failed, text);
        item.onclick = function () {
          item.onclick = null;
          deliver(item, text, clientId); // the same client id: stored once however often it is sent
        };
      });
  }

  function send(event) {
    event.preventDefault();
    var text = textBox.value.trim();
    if (!text || !state.token) {
      return;
    }
    textBox.value = "";
    var clientId = newId();
    var item = el("li", { class: "in sending" });
    pending[clientId] = item;
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
    deliver(item, text, clientId);
  }

  function endChat() {
    if (!state.token) {
      return;
    }
    api("POST", sessionPath("end/"))
      .then(showEnded)
      .catch(function (error) {
        if (error.status === 404) {
          reset();
        }
      });
  }

  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    state.open = open;
    save();
    if (open) {
      dot.hidden = true;
      (state.token ? textBox : emailField.input).focus();
    }
  }

  launcher.addEventListener("click", function () {
    toggle(panel.hidden);
  });
  closeButton.addEventListener("click", function () {
    toggle(false);
    launcher.focus();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      toggle(false);
      launcher.focus();
    }
  });
  startForm.addEventListener("submit", startChat);
  compose.addEventListener("submit", send);
  textBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      send(event); // Shift+Enter for a new line; not while an input method is composing
    }
  });
  endButton.addEventListener("click", endChat);
  newChatButton.addEventListener("click", reset);
  byEmailButton.addEventListener("click", function () {
    askCode("email");
  });
  bySmsButton.addEventListener("click", function () {
    askCode("phone");
  });
  verifyBox.addEventListener("submit", enterCode);

  // --- go ---------------------------------------------------------------------------------------

  function mount() {
    document.body.appendChild(host);
    if (state.token) {
      showChat();
      if (state.greeting) {
        note(state.greeting);
      }
      loadHistory()
        .then(function (page) {
          if (page.ended) {
            showEnded();
          } else {
            receive();
          }
        })
        .catch(function (error) {
          if (error.status === 404) {
            reset();
          } else {
            receive();
          }
        });
    }
    if (state.open) {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
    }
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();

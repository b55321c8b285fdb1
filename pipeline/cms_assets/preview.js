/* Newsroom's preview pane for Decap CMS (no build step: Decap's global `h` and `createClass`).
 *
 * Every change of the entry is posted (debounced) to the Newsroom server that serves this page
 * (`newsroom preview` or `newsroom cms --local`, same origin: POST /__newsroom/render). The server
 * checks the entry with the rules of `newsroom check` and answers with the newsletter's HTML, or with
 * the problems by field; the pane shows either. Served from pipeline/cms_assets/ by `newsroom cms`.
 */
(function () {
  "use strict";
  var RENDER = "/__newsroom/render";
  var WAIT_MS = 400;

  var box = {fontFamily: "system-ui, Arial, sans-serif", fontSize: "14px", lineHeight: 1.45, padding: "1rem"};

  var NewsletterPreview = createClass({
    getInitialState: function () {
      return {html: null, subject: "", errors: null, failure: null};
    },
    componentDidMount: function () { this.schedule(); },
    componentDidUpdate: function (previous) {
      if (previous.entry !== this.props.entry) this.schedule();
    },
    componentWillUnmount: function () { clearTimeout(this.timer); this.gone = true; },
    schedule: function () {
      clearTimeout(this.timer);
      this.timer = setTimeout(this.send, WAIT_MS);
    },
    send: function () {
      var self = this;
      var entry = this.props.entry;
      var asked = (this.asked = (this.asked || 0) + 1);
      var payload = JSON.stringify({slug: entry.get("slug") || "", data: entry.get("data").toJS()});
      fetch(RENDER, {method: "POST", credentials: "same-origin", cache: "no-store",
                     headers: {"Content-Type": "application/json"}, body: payload})
        .then(function (response) {
          return response.json().then(function (body) { return body; }, function () {
            throw new Error(response.status + " " + response.statusText);
          });
        })
        .then(function (body) {
          if (self.gone || asked !== self.asked) return;  // a newer request is under way
          if (body.ok) self.setState({html: body.html, subject: body.subject, errors: null, failure: null});
          else if (body.errors) self.setState({errors: body.errors, failure: null});
          else self.setState({failure: body.error || "the preview server refused the entry"});
        }, function (error) {
          if (self.gone || asked !== self.asked) return;
          self.setState({failure: "no Newsroom preview server answered (" + error.message + "); start it with " +
                                  "`newsroom preview` or `newsroom cms --local` and open the CMS from there"});
        });
    },
    fit: function (event) {
      var frame = event.target;
      try { frame.style.height = frame.contentDocument.documentElement.scrollHeight + 20 + "px"; } catch (e) {}
    },
    render: function () {
      var state = this.state;
      var parts = [];
      if (state.failure) {
        parts.push(h("p", {key: "failure", className: "newsroom-failure", role: "status",
                           style: Object.assign({}, box, {color: "#7f1d1d"})}, state.failure));
      }
      if (state.errors) {
        parts.push(h("div", {key: "errors", className: "newsroom-errors", role: "alert",
                             style: Object.assign({}, box, {background: "#fff5f5", color: "#7f1d1d",
                                                            borderTop: "4px solid #b91c1c"})},
          h("strong", null, "Newsroom check: " + state.errors.length + " problem(s); fix them in the form"),
          h("ul", null, state.errors.map(function (issue, i) {
            return h("li", {key: i, "data-field": issue.field},
              h("code", null, issue.field || "file"), ": " + issue.message + (issue.hint ? " (" + issue.hint + ")" : ""));
          }))));
      }
      if (state.html !== null) {
        parts.push(h("p", {key: "subject", style: Object.assign({}, box, {paddingBottom: 0, opacity: state.errors ? 0.5 : 1})},
                       h("strong", null, "Subject: "), state.subject,
                       state.errors ? " (last good version)" : ""));
        parts.push(h("iframe", {key: "email", className: "newsroom-email", title: "Newsletter", srcDoc: state.html,
                                sandbox: "allow-same-origin", onLoad: this.fit,
                                style: {width: "100%", height: "1200px", border: 0, opacity: state.errors ? 0.5 : 1}}));
      }
      if (!parts.length) parts.push(h("p", {key: "wait", style: box}, "Rendering the newsletter…"));
      return h("div", {className: "newsroom-preview"}, parts);
    }
  });

  CMS.registerPreviewTemplate("reports", NewsletterPreview);
})();

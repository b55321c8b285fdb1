"""Field rules → the browser editor's configuration (Decap CMS): `admin/index.html` and `admin/config.yml`.

The same `F`/`Obj` declarations that drive `check` and `newsroom schema` give every field its Decap
widget, required flag, hint and pattern, so the form cannot drift from the rules (a test regenerates
the committed files and compares). Labels are fixed texts of the gettext catalogue (`N_` below), so the
German configuration (`admin/config.yml`, the publication language of the sample) and the English one
(`admin/en/config.yml`) come from one table.

Decap itself comes from npm (`decap-cms`, pinned by package-lock.json) and is served from node_modules
by `newsroom preview` under /admin/cms/; nothing is loaded from a CDN. The backend block (GitHub
repository, branch, OAuth endpoint) is the deployment's, not the rules': `newsroom cms` keeps the one
already in admin/config.yml unless told otherwise.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import yaml

from pipeline.atomic import write_atomic
from pipeline.model import REPORT, SLUG_RE
from pipeline.render.i18n import N_, translator
from pipeline.schema import COLOR_RE, EMAIL_RE, F, Obj

ADMIN_DIR = "admin"
ASSETS = Path(__file__).resolve().parent / "cms_assets"
FOLDERS = {"de": "", "en": "en/"}  # Decap UI language → its page and config.yml, below admin/
DEFAULT_BACKEND = {"name": "github", "repo": "OWNER/REPOSITORY", "branch": "main",
                   "base_url": "https://newsroom-auth.example.org", "auth_endpoint": "auth"}
RENDER_PATH = "/__newsroom/render"
# Fields the form leaves out: the send targets are operator settings (provider, list ids), a map Decap
# has no widget for; they stay as written in newsroom.yaml (Decap keeps keys it has no field for).
NOT_IN_FORM = {"targets"}

# One label per field name (the same name means the same thing wherever it appears).
LABELS = {
    "title": N_("Title"), "status": N_("Status"), "event": N_("Event"), "date": N_("Date"), "place": N_("Place"),
    "end_date": N_("End date"), "time": N_("Time"), "venue": N_("Venue"), "summary": N_("Summary"),
    "body": N_("Text"), "contact": N_("Contact"), "name": N_("Name"), "email": N_("E-mail address"),
    "organisation": N_("Organisation"), "phone": N_("Phone"), "url": N_("Web address"), "subtitle": N_("Subtitle"),
    "language": N_("Language"), "hero": N_("Main picture"), "src": N_("Picture"), "alt": N_("Alt text"),
    "credit": N_("Photo credit"), "caption": N_("Caption"), "focus": N_("Focal point"),
    "speakers": N_("Speakers"), "role": N_("Role"), "contribution": N_("Contribution"),
    "workshops": N_("Workshops"), "description": N_("Description"), "quotes": N_("Quotes"),
    "text": N_("Quotation"), "author": N_("Author"), "conclusions": N_("Conclusions"), "conclusion": N_("Conclusion"),
    "links": N_("Links"), "label": N_("Link text"), "tags": N_("Tags"), "tag": N_("Tag"), "press": N_("Press release"),
    "dateline": N_("Dateline"), "embargo": N_("Embargo"), "headline": N_("Press headline"),
    "published": N_("Published"), "translation": N_("Translation"),
    "subject_variants": N_("Subject variants (A/B test)"), "subject": N_("Subject"),
    "greeting": N_("Personal greeting"), "named": N_("Greeting with the name"),
    "fallback": N_("Greeting without a name"),
    # newsroom.yaml
    "timezone": N_("Time zone"), "site_url": N_("Archive address"), "about": N_("About us"),
    "about_heading": N_("About us heading"), "sender": N_("Sender"), "reply_to": N_("Reply-to address"),
    "imprint": N_("Imprint"), "street": N_("Street"), "postal_code": N_("Postal code"), "city": N_("City"),
    "representative": N_("Represented by"), "country": N_("Country"), "register": N_("Register entry"),
    "vat_id": N_("VAT ID"), "responsible": N_("Responsible for content"), "privacy_url": N_("Privacy policy"),
    "unsubscribe_url": N_("Unsubscribe page"), "brand": N_("Brand"), "logo": N_("Logo"), "width": N_("Width"),
    "primary_color": N_("Primary colour"), "text_color": N_("Text colour"),
    "background_color": N_("Background colour"), "muted_color": N_("Muted colour"),
    "footer_note": N_("Footer note"), "press_note": N_("Press list note"),
    "utm": N_("Campaign link tags"), "source": N_("Source (utm_source)"), "medium": N_("Medium (utm_medium)"),
    "campaign": N_("Campaign (utm_campaign)"), "domains": N_("Own domains"), "domain": N_("Domain"),
    "ab_test": N_("Subject A/B test"), "test_share": N_("Test share (%)"), "winner": N_("Winner chosen by"),
    "wait_hours": N_("Test duration (hours)"),
    "de": N_("German"), "en": N_("English"),
}
UI_TEXTS = {"reports": N_("Reports"), "report": N_("Report"), "settings": N_("Settings"),
            "publication": N_("Publication settings"),
            "zone": N_("local time in {zone}; the picker shows the time as written, no conversion"),
            "languages": N_("one text per language"), "needed": N_("needed when this group is filled in")}


def _pattern(f: F) -> list[str] | None:
    """Decap's [regex, message] for what the rules can say as a pattern; everything else is checked by
    the preview pane, which runs the full rules (`cms_render`)."""
    if f.kind == "email":
        return [EMAIL_RE.pattern, "write it like presse@example.org"]
    if f.kind == "url":
        return [r"^https://\S+$", "write the full address starting with https://"]
    if f.kind == "color":
        return [COLOR_RE.pattern, "write it as # and six hex digits, e.g. #0b5394"]
    if f.name == "translation":
        return [SLUG_RE.pattern, "the file name of the other report, without .yaml"]
    if f.min_len is not None or f.max_len is not None:
        low, high = f.min_len or 0, "" if f.max_len is None else f.max_len
        if f.min_len:
            return [rf"^[\s\S]{{{low},{high}}}$", f"{low}–{high} characters"]
        return [rf"^[\s\S]{{0,{high}}}$", f"at most {high} characters"]
    return None


def field_config(f: F, _, timezone: str, required: bool | None = None) -> dict:
    """One field of the rules as a Decap field (widget, required, hint, pattern); `_` translates labels.

    `required=False` is for the fields of an optional group (the main picture): Decap would ask for them
    even while the group is left empty, so there the preview pane's check (the full rules) asks instead.
    """
    out: dict = {"name": f.name, "label": _(LABELS[f.name]), "required": f.required if required is None else required}
    if f.kind == "off_or_obj":  # Decap has no "false or a group" widget: the group, optional (false stays YAML)
        out.update(widget="object", collapsed=True,
                   fields=fields_config(f.obj, _, timezone, within_optional=True))
        out["required"] = False
    elif f.kind == "obj":
        out.update(widget="object", collapsed=not f.required,
                   fields=fields_config(f.obj, _, timezone, within_optional=not f.required))
    elif f.kind == "list" and isinstance(f.items, Obj):
        out.update(widget="list", fields=fields_config(f.items, _, timezone))
    elif f.kind == "list":
        out.update(widget="list", field=field_config(f.items, _, timezone, required=True))
    elif f.kind == "point":
        out.update(widget="list", min=2, max=2, field={"name": "axis", "label": "x, y", "widget": "number",
                                                       "value_type": "float", "min": 0, "max": 1, "step": 0.05})
    elif f.kind == "texts":
        one = dataclasses.replace(f, kind="str" if f.single_line else "text", required=False)
        out.update(widget="object", fields=[field_config(dataclasses.replace(one, name=language), _, timezone)
                                            for language in f.choices])
        out["hint"] = _(UI_TEXTS["languages"])
    elif f.kind == "enum":
        out.update(widget="select", options=list(f.choices))
    elif f.kind == "date":
        out.update(widget="datetime", format="YYYY-MM-DD", date_format="YYYY-MM-DD", time_format=False)
    elif f.kind == "datetime":
        out.update(widget="datetime", format="YYYY-MM-DDTHH:mm:ss", date_format="YYYY-MM-DD", time_format="HH:mm")
    elif f.kind == "image":
        out.update(widget="image", choose_url=True)
    elif f.kind == "bool":
        out.update(widget="boolean")
    elif f.kind == "int":
        out.update(widget="number", value_type="int")
    elif f.kind == "text":
        out.update(widget="markdown", minimal=False)
    else:
        out.update(widget="string" if f.single_line else "text")
        pattern = _pattern(f)
        if pattern:
            out["pattern"] = pattern
    hint = " ".join(part for part in (f.description, f.hint) if part)
    if f.kind == "datetime":
        hint = (hint + " " if hint else "") + "(" + _(UI_TEXTS["zone"]).format(zone=timezone) + ")"
    if hint and "hint" not in out:
        out["hint"] = hint
    if isinstance(f.default, (str, int, bool)) and f.kind not in ("obj", "list", "map"):
        out["default"] = f.default
    return out


def fields_config(spec: Obj, _, timezone: str, within_optional: bool = False) -> list[dict]:
    fields = []
    for f in spec.fields:
        if f.name in NOT_IN_FORM:
            continue
        fields.append(field_config(f, _, timezone, required=False if within_optional else None))
        if within_optional and f.required:
            fields[-1]["hint"] = _(UI_TEXTS["needed"]) + (": " + fields[-1]["hint"] if "hint" in fields[-1] else "")
    return fields


def cms_config(language: str, timezone: str, backend: dict | None = None, local_backend: bool | dict = True) -> dict:
    """The whole Decap configuration in one UI language: backend, media, the reports and the settings."""
    from pipeline.config import SETTINGS

    _ = translator(language)
    report_fields = fields_config(REPORT, _, timezone)
    return {
        "backend": dict(backend or DEFAULT_BACKEND),
        "publish_mode": "editorial_workflow",  # drafts are pull requests; CI checks and previews them
        "local_backend": local_backend,  # used only on localhost, when `newsroom cms --local` runs decap-server
        "locale": language,
        "media_folder": "content/images",
        "public_folder": "images",  # stored as images/x.jpg: a path below content/, as the rules want
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
        "collections": [
            {"name": "reports", "label": _(UI_TEXTS["reports"]), "label_singular": _(UI_TEXTS["report"]),
             "folder": "content/reports", "extension": "yaml", "format": "yml", "create": True,
             # the event's date, not the day the entry is made ({{year}}… would be that): like the sample files
             "slug": "{{fields.event.date}}-{{slug}}", "identifier_field": "title",
             "summary": "{{event.date}} · {{title}} ({{status}})", "sortable_fields": ["title", "status"],
             "fields": report_fields},
            {"name": "settings", "label": _(UI_TEXTS["settings"]), "editor": {"preview": False},
             "files": [{"name": "newsroom", "label": _(UI_TEXTS["publication"]), "file": "content/newsroom.yaml",
                        "format": "yml", "fields": fields_config(SETTINGS, _, timezone)}]},
        ],
    }


def dump(config: dict) -> str:
    header = ("# Generated by `newsroom cms` from the field rules (pipeline/model.py, pipeline/config.py);\n"
              "# do not edit by hand except the backend block, which `newsroom cms` keeps.\n")
    return header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=120)


def index_html(language: str) -> str:
    """The admin page: Decap from /admin/cms/ (served from node_modules), then our preview template."""
    up = "../" * FOLDERS[language].count("/")
    return (ASSETS / "index.html").read_text(encoding="utf-8").format(lang=language, up=up)


def committed_backend(root: Path) -> dict | None:
    """The backend block of an existing admin/config.yml (the deployment's settings), or None."""
    path = root / ADMIN_DIR / "config.yml"
    try:
        backend = yaml.safe_load(path.read_text(encoding="utf-8")).get("backend")
    except (OSError, AttributeError, yaml.YAMLError):
        return None
    return backend if isinstance(backend, dict) else None


def admin_files(timezone: str, backend: dict | None = None, local_backend: bool | dict = True) -> dict[str, bytes]:
    """Path below admin/ → content: the page and configuration in each UI language, and the preview script."""
    files: dict[str, bytes] = {}
    for language, folder in FOLDERS.items():
        files[folder + "config.yml"] = dump(cms_config(language, timezone, backend, local_backend)).encode()
        files[folder + "index.html"] = index_html(language).encode()
    files["preview.js"] = (ASSETS / "preview.js").read_bytes()
    return files


def write_admin(root: Path, timezone: str, backend: dict | None = None) -> list[Path]:
    """Write admin/ (atomically, file by file); the backend block of the existing config stays unless given."""
    from pipeline.errors import OutputError

    written = []
    for name, data in admin_files(timezone, backend or committed_backend(root)).items():
        target = root / ADMIN_DIR / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data)
        except OSError as err:  # admin a file, a full disk, no permission: named, each file whole or not at all
            raise OutputError(f"{target}: cannot write the editor's file ({err.strerror or err}) — make sure "
                              f"{target.parent} is a folder you may write to and the disk has room, then run "
                              "`newsroom cms` again") from err
        written.append(target)
    return written


def backend_from_options(root: Path, repo: str | None, branch: str | None, auth_url: str | None) -> dict | None:
    """The backend block with the options given on the command line; None when none was given."""
    if not (repo or branch or auth_url):
        return None
    backend = dict(committed_backend(root) or DEFAULT_BACKEND)
    if repo:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+", repo):
            from pipeline.errors import PipelineError
            raise PipelineError(f"--repo '{repo}' is not a GitHub repository — write it as owner/name")
        backend["repo"] = repo
    if branch:
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_./-]*", branch) or ".." in branch:
            from pipeline.errors import PipelineError
            raise PipelineError(f"--branch '{branch}' is not a branch name — letters, digits, '.', '_', '-' and '/'")
        backend["branch"] = branch
    if auth_url:
        if not re.fullmatch(r"https://[^\s/?#]+(/[^\s?#]*)?", auth_url):
            from pipeline.errors import PipelineError
            raise PipelineError(f"--auth-url '{auth_url}' is not an https:// address — give the OAuth proxy's address")
        backend["base_url"] = auth_url.rstrip("/")
    return backend


CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".yml": "text/yaml; charset=utf-8",
                 ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".map": "application/json; charset=utf-8", ".svg": "image/svg+xml", ".woff2": "font/woff2"}


def admin_asset(root: Path, parts: list[str], proxy_url: str | None) -> tuple[str, bytes] | None:
    """What `newsroom preview` answers under /admin/: the page and configuration made now from the rules
    (so a changed rule shows without `newsroom cms`), the preview script, and Decap from node_modules.

    `proxy_url` is the running decap-server's (`newsroom cms --local`); without it the configuration
    points at Decap's default local address. None: no such file.
    """
    from pipeline.nodetools import node_modules

    rest = "/".join(parts[1:]) or "index.html"
    if len(parts) == 3 and parts[1] == "cms":
        path = node_modules(root) / "decap-cms" / "dist" / parts[2]
        data = path.read_bytes() if path.is_file() else None
    else:
        data = admin_files(_timezone(root), committed_backend(root),
                           {"url": proxy_url} if proxy_url else True).get(rest)
    if data is None:
        return None
    return CONTENT_TYPES.get(Path(rest).suffix, "application/octet-stream"), data


def _timezone(root: Path) -> str:
    from pipeline.config import load_settings
    from pipeline.errors import PipelineError

    try:
        return load_settings(root / "content").timezone
    except PipelineError:  # the settings are broken: the form still loads, `check` names the problem
        return "the publication's time zone"


PROXY_START_SECONDS = 20


def run_local(project, port: int = 8000, proxy_port: int = 8081, environ: dict | None = None):
    """`newsroom cms --local`: decap-server over this project's files, and the preview serving /admin/.

    decap-server runs in its `fs` mode (MODE=fs): Save writes the YAML file under content/reports/ at
    once. Its `git` mode would commit each draft to a `cms/…` branch of the repository instead, which
    only shows in content/ after "Publish"; in fs mode Decap switches the editorial workflow off by
    itself (the server offers only the simple mode), so the same config.yml serves both. It listens on
    127.0.0.1 only (BIND_HOST) and answers only pages from localhost/127.0.0.1 (its CORS rule). Yields
    the lines to print; the proxy stops when the generator is closed.
    """
    import os
    import shutil
    import socket
    import subprocess
    import tempfile
    import time

    from pipeline.errors import PipelineError
    from pipeline.nodetools import missing_hint, node_modules
    from pipeline.preview import serve

    node = shutil.which("node")
    folder = node_modules(project.root, environ)
    script = folder / "decap-server" / "dist" / "index.js"
    if node is None:
        raise PipelineError("Node.js is not installed — install it (Debian: apt-get install nodejs), then try again")
    if not script.is_file():
        raise PipelineError("decap-server (the CMS's local proxy) is missing — " + missing_hint(folder))
    with socket.socket() as probe:  # a port another program holds would take the editor's saves: refuse it
        try:
            probe.bind(("127.0.0.1", proxy_port))
        except OSError:
            raise PipelineError(f"port {proxy_port} on 127.0.0.1 is in use by another program, and the editor would "
                                "send its saves there — pick a free one with --proxy-port, or 0 for any") from None
        proxy_port = probe.getsockname()[1]
    env = {**(environ or os.environ), "MODE": "fs", "GIT_REPO_DIRECTORY": str(project.root.resolve()),
           "PORT": str(proxy_port), "BIND_HOST": "127.0.0.1", "LOG_LEVEL": "warn"}
    errors = tempfile.TemporaryFile()  # not a pipe: nobody reads it while the CMS runs
    proxy = subprocess.Popen([node, str(script)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=errors)
    try:
        deadline = time.monotonic() + PROXY_START_SECONDS
        while True:
            if proxy.poll() is not None:
                errors.seek(0)
                error = errors.read().decode(errors="replace").strip().splitlines()
                raise PipelineError(f"decap-server stopped at start ({error[-1] if error else 'no message'}) — is "
                                    f"port {proxy_port} in use? pick another with --proxy-port")
            try:
                socket.create_connection(("127.0.0.1", proxy_port), timeout=0.5).close()
                if proxy.poll() is None:  # the answer came from decap-server, not from a program that took the port
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise PipelineError(f"decap-server did not start within {PROXY_START_SECONDS} s") from None
                time.sleep(0.1)
        yield f"decap-server (fs mode) on http://127.0.0.1:{proxy_port}/api/v1 for {project.root.resolve()}"
        lines = serve(project, port, proxy_url=f"http://127.0.0.1:{proxy_port}/api/v1")
        try:
            for line in lines:
                yield line
                if line.startswith("serving "):
                    yield f"editor: {line.split()[1]}admin/ (saving writes content/reports/*.yaml)"
        finally:
            lines.close()
    finally:
        proxy.terminate()
        try:
            proxy.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proxy.kill()
            proxy.wait()
        errors.close()

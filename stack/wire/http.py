"""HTTP/1.x (RFC 9112): the request or status line and the header fields, as tshark names them.

On TCP ports 80 and 8080.  A segment that does not start with a request line or a status
line is a "Continuation" (the body of a message begun earlier), as tshark shows it with
TCP reassembly off; with the analysis pass (stack/wire/analysis/reassembly.py) a message
spread over segments is put back together and dissected whole on the frame that ends it.
`message_length` says where a message in a byte stream ends, for that reassembly.
"""
from __future__ import annotations

from .dissect import Hidden, Node, dissector
from .textfmt import utf8_text

PORTS = (80, 8080)
METHODS = (b"GET", b"POST", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"CONNECT", b"TRACE", b"PATCH")
MAX_HEADER = 65536          # a header block longer than this is not waited for
# header name (lower case) -> tshark's field
HEADER_FIELDS = {
    "host": "http.host", "user-agent": "http.user_agent", "accept": "http.accept",
    "accept-encoding": "http.accept_encoding", "accept-language": "http.accept_language",
    "server": "http.server", "date": "http.date", "last-modified": "http.last_modified",
    "content-type": "http.content_type", "content-length": "http.content_length_header",
    "connection": "http.connection", "referer": "http.referer", "cookie": "http.cookie",
    "set-cookie": "http.set_cookie", "location": "http.location", "cache-control": "http.cache_control",
    "transfer-encoding": "http.transfer_encoding", "content-encoding": "http.content_encoding",
    "authorization": "http.authorization", "upgrade": "http.upgrade",
}
NO_BODY_CODES = (204, 304)
# status code -> tshark's description (http.response.code.desc), read from its output for 100..599
STATUS_DESCRIPTIONS = {
    100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
    199: 'Informational - Others', 200: 'OK', 201: 'Created', 202: 'Accepted',
    203: 'Non-authoritative Information', 204: 'No Content', 205: 'Reset Content', 206: 'Partial Content',
    207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used', 299: 'Success - Others',
    300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
    305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 399: 'Redirection - Others',
    400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
    405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required',
    408: 'Request Time-out', 409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed',
    413: 'Request Entity Too Large', 414: 'Request-URI Too Long', 415: 'Unsupported Media Type',
    416: 'Requested Range Not Satisfiable', 417: 'Expectation Failed', 418: "I'm a teapot",
    421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked', 424: 'Failed Dependency',
    425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests',
    431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons', 499: 'Client Error - Others',
    500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
    504: 'Gateway Time-out', 505: 'HTTP Version not supported', 506: 'Variant Also Negotiates',
    507: 'Insufficient Storage', 508: 'Loop Detected', 510: 'Not Extended',
    511: 'Network Authentication Required', 599: 'Server Error - Others'}


def starts_message(data: bytes) -> bool:
    """Does `data` begin with a request line or a status line?"""
    if data.startswith(b"HTTP/1."):
        return True
    word = data.split(b" ", 1)[0]
    return word in METHODS and len(data) > len(word)


def _headers(block: bytes) -> tuple[list[bytes], dict[str, str]]:
    lines = block.split(b"\r\n")
    fields = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            fields[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return lines, fields


def _chunked_end(data: bytes, pos: int) -> int | None:
    """Where a chunked body starting at `pos` ends (after its last chunk and trailers), or None."""
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return None
        try:
            size = int(data[pos:eol].split(b";")[0].strip() or b"x", 16)
        except ValueError:
            return len(data)                      # not chunked after all: take what is there
        pos = eol + 2
        if size == 0:
            end = data.find(b"\r\n\r\n", pos - 2)
            return None if end < 0 else end + 4
        pos += size + 2
        if pos > len(data):
            return None


def message_length(data: bytes, closing: bool = False) -> int | None:
    """How many bytes of `data` (which starts a message) the message takes, or None if more
    are needed.  A response with neither a length nor chunks ends with the connection
    (`closing`); a header block past MAX_HEADER is taken as it is."""
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        return len(data) if closing or len(data) > MAX_HEADER else None
    body = head_end + 4
    lines, fields = _headers(data[:head_end])
    response = data.startswith(b"HTTP/")
    if "chunked" in fields.get("transfer-encoding", "").lower():
        end = _chunked_end(data, body)
        return end if end is not None else (len(data) if closing else None)
    length = fields.get("content-length")
    if length is not None and length.isdigit():
        need = body + int(length)
        return need if len(data) >= need else (len(data) if closing else None)
    if not response:
        return body
    code = lines[0].split(b" ")[1:2]
    if code and (code[0].startswith(b"1") or code[0] in (b"204", b"304")):
        return body
    return len(data) if closing else None


def request_uri(parts: list, fields: dict) -> str | None:
    """The full URI of a request (its line split in parts, its headers), as tshark makes it."""
    if len(parts) < 2 or "host" not in fields:
        return None
    uri = _text(parts[1])
    return uri if "://" in uri else f"http://{fields['host']}{uri}"


def message_uri(data: bytes) -> str | None:
    """The full URI of the request message `data` (None for a response, or without a Host)."""
    head_end = data.find(b"\r\n\r\n")
    lines, fields = _headers(data[:head_end] if head_end >= 0 else data)
    return None if not lines or lines[0].startswith(b"HTTP/") else request_uri(lines[0].split(b" ", 2), fields)


def _text(value: bytes) -> str:
    return value.decode("latin-1")


@dissector("tcp.port", *PORTS)
def dissect_http(d, off: int, end: int):
    buf = d.buf
    data = bytes(buf[off:end])
    layer = d.layer("http", "Hypertext Transfer Protocol", off, end - off)
    if not starts_message(data):
        layer.add(Node("http.file_data", "File Data", data.decode("utf-8", "replace"), off, end - off,
                       text=f"{len(data)} bytes"))
        d.summarise("HTTP", "Continuation")
        return None
    head_end = data.find(b"\r\n\r\n")
    block = data[:head_end] if head_end >= 0 else data
    lines, fields = _headers(block)
    first = lines[0]
    response = first.startswith(b"HTTP/")
    parts = first.split(b" ", 2)
    line = layer.add(Node("http.first_line", _text(first) + "\\r\\n", "", off, min(len(first) + 2, end - off),
                          text=""))
    if response:
        layer.add(Hidden("http.response", "Response", True, off, 0, text="True"))
        line.add(Node("http.response.version", "Response Version", _text(parts[0]), off, len(parts[0])))
        if len(parts) > 1 and parts[1].isdigit():
            code = int(parts[1])
            line.add(Node("http.response.code", "Status Code", code, off + len(parts[0]) + 1, len(parts[1])))
            line.add(Node("http.response.code.desc", "Status Code Description",
                          STATUS_DESCRIPTIONS.get(code, f"Unknown ({code})"), off + len(parts[0]) + 1, 0))
        if len(parts) > 2:
            line.add(Node("http.response.phrase", "Response Phrase", _text(parts[2]),
                          off + len(parts[0]) + len(parts[1]) + 2, len(parts[2])))
    else:
        layer.add(Hidden("http.request", "Request", True, off, 0, text="True"))
        names = ("http.request.method", "http.request.uri", "http.request.version")
        labels = ("Request Method", "Request URI", "Request Version")
        at = off
        for name, label, part in zip(names, labels, parts):
            line.add(Node(name, label, _text(part), at, len(part)))
            at += len(part) + 1
    at = off + len(first) + 2
    kind = "http.response.line" if response else "http.request.line"
    for raw in lines[1:]:
        name, sep, value = raw.partition(b":")
        key = name.strip().lower().decode("latin-1")
        field = HEADER_FIELDS.get(key) if sep else None
        span = min(len(raw) + 2, end - at)     # the CR LF may be past the frame's end
        if field is None:       # a header tshark names no field for: the line itself
            node = layer.add(Node(kind, "", _text(raw) + "\r\n", at, span, text=_text(raw) + "\\r\\n"))
        else:                   # the value for filters; the line as written, CR LF and all, for people
            node = layer.add(Node(field, "", _text(value.strip()), at, span, text=_text(raw) + "\\r\\n"))
        if key == "content-length" and value.strip().isdigit():
            node.add(Node("http.content_length", "Content length", int(value.strip()), at, span))
        at += len(raw) + 2
    if head_end >= 0:           # the empty line that ends the header block
        layer.add(Node("http", "\\r\\n", "", off + head_end + 2, 2, text=""))
    uri = None if response else request_uri(parts, fields)
    if uri is not None:
        layer.add(Node("http.request.full_uri", "Full request URI", uri, off, 0))
    ctype = fields.get("content-type")
    body = data[head_end + 4:] if head_end >= 0 else b""
    if body:
        layer.add(Node("http.file_data", "File Data", body.decode("utf-8", "replace"), off + head_end + 4,
                       len(body), text=f"{len(body)} bytes"))
    media = ctype.split(";")[0].strip() if ctype else ""
    info = _text(first) + " " + (f" ({media})" if body and media else "")
    d.summarise("HTTP", info)
    if body and media:
        _body(d, body, off + head_end + 4, media.lower())
    return None


TEXT_LINES = ("text/plain", "text/html", "text/css", "text/richtext", "text/enriched")   # tshark's data-text-lines
OWN_DISSECTORS = ("xml", "json", "javascript", "x-www-form-urlencoded", "multipart/", "image/")    # not ours yet


def _body(d, body: bytes, at: int, media: str) -> None:
    """The body as tshark hands it on by its media type: text line by line, other types named
    with their size; a type tshark has a dissector of its own for is left as File Data."""
    if media in TEXT_LINES:
        lines = body.splitlines(keepends=True)
        layer = d.layer("data-text-lines", f"Line-based text data: {media} ({len(lines)} lines)", at, len(body))
        for line in lines:
            text = utf8_text(line)
            layer.add(Node("data-text-lines", text, "", at, len(line), text=""))
            at += len(line)
    elif not any(kind in media for kind in OWN_DISSECTORS):
        layer = d.layer("media", "Media Type", at, len(body))
        layer.add(Node("media.type", "Media type", body, at, len(body), show=lambda v: f"{media} ({len(v)} bytes)"))

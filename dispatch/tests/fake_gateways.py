"""Local fakes of the outside gateways, each an `http.server` on 127.0.0.1 in a thread, speaking the
vendor's documented protocol: they check the request's signature as the vendor documents it (written
here from the documentation, not by calling our client's code), and answer the documented JSON
shapes and error codes. `fail_next(...)` scripts the next answers; `down = True` answers 503.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit


class FakeGateway:
    """Base: records every request; subclasses answer `handle(method, path, headers, body)`."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.accepted: list[dict[str, Any]] = []
        self.scripted: list[tuple[str, str]] = []
        self.down = False
        self.url = ""
        self._lock = threading.Lock()

    def fail_next(self, code: str, message: str = "", times: int = 1) -> None:
        self.scripted.extend([(code, message or code)] * times)

    def _scripted(self) -> tuple[str, str] | None:
        with self._lock:
            return self.scripted.pop(0) if self.scripted else None

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    @contextmanager
    def running(self) -> Iterator[FakeGateway]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append({"method": self.command, "path": self.path, "headers": headers, "body": body})
                if fake.down:
                    status, answer = 503, "<html><body>503 Service Temporarily Unavailable</body></html>"
                else:
                    status, answer = fake.handle(self.command, self.path, headers, body)
                data = answer.encode() if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html" if isinstance(answer, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


# --- Alibaba Cloud SMS (Dysmsapi 2017-05-25, RPC signature v1.0) ------------------------------------
def aliyun_encode(value: str) -> str:
    """The documented POP encoding: URL-encode in UTF-8, then `+`→%20, `*`→%2A, %7E→`~`."""
    return quote(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


class FakeAliyunSMS(FakeGateway):
    def __init__(self, *, key_id: str = "LTAI-test", secret: str = "aliyun-secret", sign_name: str = "社会治理中心",
                 templates: dict[str, list[str]] | None = None) -> None:
        super().__init__()
        self.key_id, self.secret, self.sign_name = key_id, secret, sign_name
        self.templates = templates or {}
        self.nonces: set[str] = set()

    @staticmethod
    def _error(code: str, message: str, status: int = 200) -> tuple[int, Any]:
        return status, {"Code": code, "Message": message, "RequestId": uuid.uuid4().hex.upper()}

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        query = urlsplit(path).query if method == "GET" else body.decode()
        params = dict(parse_qsl(query, keep_blank_values=True))
        signature = params.pop("Signature", "")
        for name in ("AccessKeyId", "Action", "Format", "SignatureMethod", "SignatureNonce", "SignatureVersion",
                     "Timestamp", "Version"):
            if not params.get(name):
                return self._error("MissingParameter", f"{name} is mandatory for this action.", 400)
        if params["AccessKeyId"] != self.key_id:
            return self._error("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        canonical = "&".join(f"{aliyun_encode(k)}={aliyun_encode(params[k])}" for k in sorted(params))
        to_sign = f"{method}&{aliyun_encode('/')}&{aliyun_encode(canonical)}"
        expected = base64.b64encode(hmac.new(f"{self.secret}&".encode(), to_sign.encode(), hashlib.sha1).digest())
        if not hmac.compare_digest(expected.decode(), signature):
            return self._error("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.", 400)
        if params["SignatureNonce"] in self.nonces:
            return self._error("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
        self.nonces.add(params["SignatureNonce"])
        if (params["Action"], params["Version"], params["SignatureMethod"]) != (self.action, "2017-05-25", "HMAC-SHA1"):
            return self._error("InvalidAction.NotFound", "Specified api is not found.", 404)
        return self._act(params)

    action = "SendSms"

    def _act(self, params: dict[str, str]) -> tuple[int, Any]:
        scripted = self._scripted()
        if scripted:
            return self._error(*scripted)
        if params.get("SignName") != self.sign_name:
            return self._error("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        variables = self.templates.get(params.get("TemplateCode", ""))
        if variables is None:
            return self._error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        phone = params.get("PhoneNumbers", "")
        if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
            return self._error("isv.MOBILE_NUMBER_ILLEGAL", "手机号码格式错误")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return self._error("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if set(variables) - set(values):
            return self._error("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量")
        if any(len(str(v)) > 35 for v in values.values()):
            return self._error("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
        biz_id = f"{uuid.uuid4().int % 10**15}^{uuid.uuid4().int % 10**10}"
        self.accepted.append({"phone": phone, "template": params["TemplateCode"], "params": values,
                              "out_id": params.get("OutId", ""), "biz_id": biz_id})
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": uuid.uuid4().hex.upper()}


# --- Alibaba Cloud voice service (Dyvmsapi 2017-05-25, IvrCall; same RPC signature) ------------------
class FakeAliyunVoice(FakeAliyunSMS):
    """`IvrCall`: the caller number must be one bought (`show_numbers`), the start and key-1 codes
    approved TTS templates with their variables; the documented flow control (the same callee at most
    once a minute) answers isv.BUSINESS_LIMIT_CONTROL. `report(...)` builds the receipts the platform
    pushes for an accepted call."""

    action = "IvrCall"

    def __init__(self, *, show_numbers: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.show_numbers = show_numbers or {"057156780000"}
        self.last_call: dict[str, float] = {}

    def _act(self, params: dict[str, str]) -> tuple[int, Any]:
        scripted = self._scripted()
        if scripted:
            return self._error(*scripted)
        if params.get("CalledShowNumber") not in self.show_numbers:
            return self._error("isv.DISPLAY_NUMBER_ILLEGAL", "外显号码不合法")
        phone = params.get("CalledNumber", "")
        if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
            return self._error("isv.MOBILE_NUMBER_ILLEGAL", "号码格式错误")
        variables = self.templates.get(params.get("StartCode", ""))
        if variables is None or params.get("MenuKeyMap.1.Code") not in self.templates:
            return self._error("isv.TTS_TEMPLATE_ILLEGAL", "文本转语音模板不合法")
        try:
            values = json.loads(params.get("StartTtsParams") or "{}")
        except ValueError:
            return self._error("isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if set(variables) - set(values) or any(len(str(v)) > 35 for v in values.values()):
            return self._error("isv.INVALID_PARAMETERS", "模板变量缺失或超长")
        if not 1 <= int(params.get("PlayTimes") or 1) <= 3:
            return self._error("isv.INVALID_PARAMETERS", "PlayTimes 超出范围")
        with self._lock:
            if time.monotonic() - self.last_call.get(phone, -1e9) < 60:
                return self._error("isv.BUSINESS_LIMIT_CONTROL", "触发流控：同一被叫每分钟 1 次")
            self.last_call[phone] = time.monotonic()
        call_id = f"{uuid.uuid4().int % 10**12}^{uuid.uuid4().int % 10**11}"
        self.accepted.append({"phone": phone, "template": params["StartCode"], "params": values,
                              "key_1": params["MenuKeyMap.1.Key"], "out_id": params.get("OutId", ""),
                              "call_id": call_id})
        return 200, {"Code": "OK", "Message": "OK", "CallId": call_id, "RequestId": uuid.uuid4().hex.upper()}

    @staticmethod
    def report(call: dict[str, Any], *, status_code: str, dtmf: str = "", at: str = "2026-11-18 02:31:10") -> list[dict]:
        """A VoiceCallReport push for an accepted call (a JSON array, as the HTTP batch push sends)."""
        return [{"call_id": call["call_id"], "status_code": status_code, "smart_status_code": "ANSWERED",
                 "dtmf": dtmf, "status_time": at, "out_id": call["out_id"]}]


# --- Tencent Cloud SMS (2021-01-11, TC3-HMAC-SHA256) ------------------------------------------------
def _sha256_hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


class FakeTencentSMS(FakeGateway):
    def __init__(self, *, secret_id: str = "AKID-test", secret_key: str = "tencent-secret", app_id: str = "1400000001",
                 sign_name: str = "社会治理中心", templates: dict[str, int] | None = None) -> None:
        super().__init__()
        self.secret_id, self.secret_key, self.app_id, self.sign_name = secret_id, secret_key, app_id, sign_name
        self.templates = templates or {}
        # per-number answers scripted by `fail_number_next` (the request succeeds, the number does not)
        self.number_scripted: list[tuple[str, str]] = []

    def fail_number_next(self, code: str, message: str = "") -> None:
        self.number_scripted.append((code, message or code))

    @staticmethod
    def _error(code: str, message: str) -> tuple[int, Any]:
        return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}

    def _check_signature(self, path: str, headers: dict[str, str], body: bytes) -> str | None:
        auth = headers.get("authorization", "")
        prefix = "TC3-HMAC-SHA256 "
        if not auth.startswith(prefix):
            return "AuthFailure.SignatureFailure"
        fields = dict(part.strip().split("=", 1) for part in auth[len(prefix):].split(","))
        secret_id, date, service, terminator = fields.get("Credential", "////").split("/")
        if secret_id != self.secret_id:
            return "AuthFailure.SecretIdNotFound"
        timestamp = int(headers.get("x-tc-timestamp", "0"))
        if dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d") != date or terminator != "tc3_request":
            return "AuthFailure.SignatureFailure"
        signed = fields.get("SignedHeaders", "")
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed.split(";"))
        canonical_request = "\n".join(["POST", urlsplit(path).path or "/", "", canonical_headers, signed,
                                       hashlib.sha256(body).hexdigest()])
        scope = f"{date}/{service}/tc3_request"
        to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                             hashlib.sha256(canonical_request.encode()).hexdigest()])
        key = _sha256_hmac(_sha256_hmac(_sha256_hmac(f"TC3{self.secret_key}".encode(), date), service), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return "AuthFailure.SignatureFailure"
        return None

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if method != "POST":
            return self._error("InvalidParameter", "only POST in this fake")
        failure = self._check_signature(path, headers, body)
        if failure:
            return self._error(failure, "The provided credentials could not be validated.")
        if (headers.get("x-tc-action"), headers.get("x-tc-version")) != ("SendSms", "2021-01-11"):
            return self._error("InvalidAction", "The requested action does not exist.")
        scripted = self._scripted()
        if scripted:
            return self._error(*scripted)
        request = json.loads(body or b"{}")
        if request.get("SmsSdkAppId") != self.app_id:
            return self._error("FailedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId 校验失败")
        if request.get("SignName") != self.sign_name:
            return self._error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误")
        variables = self.templates.get(request.get("TemplateId", ""))
        if variables is None:
            return self._error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配")
        if len(request.get("TemplateParamSet") or []) != variables:
            return self._error("InvalidParameterValue.TemplateParameterFormatError", "验证码模板参数格式错误")
        statuses = []
        for number in request.get("PhoneNumberSet") or []:
            scripted_number = self.number_scripted.pop(0) if self.number_scripted else None
            digits = number.removeprefix("+86")
            if scripted_number:
                code, message = scripted_number
            elif not (number.startswith("+86") and digits.isdigit() and len(digits) == 11):
                code, message = "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"
            else:
                code, message = "Ok", "send success"
            serial = f"2640:{uuid.uuid4().int % 10**20}" if code == "Ok" else ""
            statuses.append({"SerialNo": serial, "PhoneNumber": number, "Fee": 1 if code == "Ok" else 0,
                             "SessionContext": request.get("SessionContext", ""), "Code": code, "Message": message,
                             "IsoCode": "CN"})
            if code == "Ok":
                self.accepted.append({"phone": number, "template": request["TemplateId"],
                                      "params": request.get("TemplateParamSet"), "serial": serial,
                                      "context": request.get("SessionContext", "")})
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}}


# --- WeCom (企业微信) ---------------------------------------------------------------------------------
class FakeWeCom(FakeGateway):
    """gettoken, message/send (app messages) and webhook/send (group robots)."""

    def __init__(self, *, corp_id: str = "ww-test-corp", secret: str = "wecom-secret", agent_id: int = 1000002,
                 users: set[str] | None = None, robot_keys: set[str] | None = None) -> None:
        super().__init__()
        self.corp_id, self.secret, self.agent_id = corp_id, secret, agent_id
        self.users = users or set()
        self.robot_keys = robot_keys or set()
        self.tokens: set[str] = set()
        self.token_calls = 0
        self.robot_posts: list[dict[str, Any]] = []

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        parts = urlsplit(path)
        query = dict(parse_qsl(parts.query))
        if parts.path == "/cgi-bin/gettoken" and method == "GET":
            self.token_calls += 1
            if query.get("corpid") != self.corp_id:
                return 200, {"errcode": 40013, "errmsg": "invalid corpid"}
            if query.get("corpsecret") != self.secret:
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}
            token = uuid.uuid4().hex
            self.tokens.add(token)
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        request = json.loads(body or b"{}") if method == "POST" else {}
        if parts.path == "/cgi-bin/webhook/send" and method == "POST":
            if query.get("key") not in self.robot_keys:
                return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
            scripted = self._scripted()
            if scripted:
                return 200, {"errcode": int(scripted[0]), "errmsg": scripted[1]}
            if request.get("msgtype") not in {"text", "markdown"} or not request.get(request.get("msgtype"), {}).get("content"):
                return 200, {"errcode": 40008, "errmsg": "invalid message type"}
            self.robot_posts.append({"key": query["key"], **request})
            return 200, {"errcode": 0, "errmsg": "ok"}
        if parts.path == "/cgi-bin/message/send" and method == "POST":
            if query.get("access_token") not in self.tokens:
                return 200, {"errcode": 42001, "errmsg": "access_token expired"}
            scripted = self._scripted()
            if scripted:
                return 200, {"errcode": int(scripted[0]), "errmsg": scripted[1]}
            if request.get("agentid") != self.agent_id:
                return 200, {"errcode": 40056, "errmsg": "invalid agentid"}
            kind = request.get("msgtype")
            if kind == "textcard" and not (request["textcard"].get("url") and request["textcard"].get("title")):
                return 200, {"errcode": 44004, "errmsg": "empty content"}
            if kind not in {"text", "textcard"}:
                return 200, {"errcode": 40008, "errmsg": "invalid message type"}
            users = [user for user in str(request.get("touser", "")).split("|") if user]
            invalid = [user for user in users if user not in self.users]
            if users and len(invalid) == len(users):
                return 200, {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
            msgid = uuid.uuid4().hex
            self.accepted.append({"msgid": msgid, **request})
            return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": msgid}
        return 404, {"errcode": 404, "errmsg": "not found"}


# --- DingTalk (钉钉) ------------------------------------------------------------------------------------
class FakeDingTalk(FakeGateway):
    """gettoken, corpconversation/asyncsend_v2 (work notifications) and robot/send (加签 checked)."""

    def __init__(self, *, app_key: str = "ding-app-key", app_secret: str = "ding-app-secret", agent_id: int = 2870001,
                 users: set[str] | None = None, robots: dict[str, str] | None = None) -> None:
        super().__init__()
        self.app_key, self.app_secret, self.agent_id = app_key, app_secret, agent_id
        self.users = users or set()
        self.robots = robots or {}  # access token -> signing secret
        self.tokens: set[str] = set()
        self.token_calls = 0
        self.robot_posts: list[dict[str, Any]] = []

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        parts = urlsplit(path)
        query = dict(parse_qsl(parts.query))
        if parts.path == "/gettoken" and method == "GET":
            self.token_calls += 1
            if (query.get("appkey"), query.get("appsecret")) != (self.app_key, self.app_secret):
                return 200, {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}
            token = uuid.uuid4().hex
            self.tokens.add(token)
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        request = json.loads(body or b"{}") if method == "POST" else {}
        if parts.path == "/robot/send" and method == "POST":
            secret = self.robots.get(query.get("access_token", ""))
            if secret is None:
                return 200, {"errcode": 300001, "errmsg": "token is not exist"}
            timestamp = query.get("timestamp", "")
            expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                                 hashlib.sha256).digest()).decode()
            fresh = timestamp.isdigit() and abs(int(timestamp) / 1000 - time.time()) < 3600
            if not fresh or not hmac.compare_digest(expected, query.get("sign", "")):
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
            scripted = self._scripted()
            if scripted:
                return 200, {"errcode": int(scripted[0]), "errmsg": scripted[1]}
            self.robot_posts.append({"token": query["access_token"], **request})
            return 200, {"errcode": 0, "errmsg": "ok"}
        if parts.path == "/topapi/message/corpconversation/asyncsend_v2" and method == "POST":
            if query.get("access_token") not in self.tokens:
                return 200, {"errcode": 40014, "errmsg": "不合法的access_token"}
            scripted = self._scripted()
            if scripted:
                return 200, {"errcode": int(scripted[0]), "errmsg": scripted[1]}
            if request.get("agent_id") != self.agent_id:
                return 200, {"errcode": 43005, "errmsg": "无效的agentid"}
            users = [user for user in str(request.get("userid_list", "")).split(",") if user]
            if not users or any(user not in self.users for user in users):
                return 200, {"errcode": 33012, "errmsg": "无效的USERID"}
            task_id = uuid.uuid4().int % 10**12
            self.accepted.append({"task_id": task_id, **request})
            return 200, {"errcode": 0, "errmsg": "ok", "task_id": task_id, "request_id": uuid.uuid4().hex}
        return 404, {"errcode": 404, "errmsg": "not found"}

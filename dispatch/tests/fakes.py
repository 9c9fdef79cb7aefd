"""An SMS gateway for the live tests: slow like a real one and observable from another process.

`SMS_BACKEND=dispatch.tests.fakes.FileSMSBackend`; `TEST_SMS_LOG` names the file that gets one line
per accepted message (JSON: time, phone, text); `TEST_SMS_DELAY_MS` is the gateway's latency.
"""

from __future__ import annotations

import json
import os
import time
import uuid

from dispatch.sms import SMSBackend


class FileSMSBackend(SMSBackend):
    def send(self, *, phone: str, text: str) -> str:
        delay = int(os.environ.get("TEST_SMS_DELAY_MS", "0") or 0)
        if delay:
            time.sleep(delay / 1000)
        message_id = uuid.uuid4().hex
        line = json.dumps({"at": time.time(), "phone": phone, "text": text, "id": message_id}, ensure_ascii=False)
        with open(os.environ["TEST_SMS_LOG"], "a", encoding="utf-8") as log:
            log.write(line + "\n")
        return message_id

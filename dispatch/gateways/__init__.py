"""Clients of the outside message gateways: SMS (Aliyun, Tencent Cloud), WeCom and DingTalk."""

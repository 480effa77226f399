"""A fake outside channel for tests: records what it was asked to send, or fails on demand."""

from .channels import Channel

SENT = []


class FakeChannel(Channel):
    def send(self, delivery):
        if self.options.get("fail"):
            raise ConnectionError("fake channel is down")
        SENT.append((self.name, delivery.title))

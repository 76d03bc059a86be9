"""Messages the system starts (OTP codes, alerts, broadcasts, staff replies): the outbox,
its pacing, senders and SMS segments.

The outbox's life, one module per step:
  enqueue   a row, in the same transaction as its cause (bulk: many rows, set-based)
  claim     a worker takes a batch of due rows in a short transaction, leased, within
            the channels' rate limits (pace: token buckets and 429 pauses shared by all)
  dispatch  sends the batch outside any transaction at its booked slots, then
  outcomes  records sent / retried (retry: the backoff) / dead / throttled, fenced on
            (id, 'sending', attempts) so a lost lease cannot overwrite a newer attempt;
            errors are stored redacted (redact)
  worker    the loop: batch after batch, backing off on database errors
  now       rows just enqueued sent at once by their producer (Telegram replies), the
            failures left to the worker
  status    providers' delivery callbacks on sent rows
  admin     dead letters, requeueing and counts for operators
Around them: hold (the hook through which a feature above, broadcasts, holds rows back),
clock (the injected time source), senders (the Sender protocol and simple senders),
sms (SMS segments). Nothing is imported here: import the module you need.
"""

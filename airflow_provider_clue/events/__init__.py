"""``ClueEventTrigger``'s internals and the pulls of its events: the watcher's loop (``watcher``), its
arguments (``arguments``), its cursor (``watermark``) and where the cursor is kept (``stores``), and
how a pull of a run of events carries on from its own record (``pulls``)."""

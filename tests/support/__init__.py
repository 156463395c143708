"""What the tests share: fakes of the outside world (WeChat, the portal, a lossy network),
trackers for the actions, a knowledge pack, and the drivers of whole conversations with their
golden transcripts. Nothing here is a test; everything here is used by more than one."""

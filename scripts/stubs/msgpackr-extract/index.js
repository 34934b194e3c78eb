// msgpackr loads its native accelerator in a try/catch and falls back to pure JS when it is absent.
throw new Error('msgpackr native extension disabled in payval (see docs/decisions/0007)');

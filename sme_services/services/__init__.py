"""Writes of the proximity service (HackSoft style: services write, selectors read), one module per
sub-domain: keyword-only functions `<entity>_<action>`, one transaction each, an audit entry each."""

"""The console web server (port 8002): the web chat page today; the editors' workbench and the
agent console join it later."""

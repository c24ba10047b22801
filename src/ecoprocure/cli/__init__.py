"""The ``ecoprocure`` command: thin commands over the same functions the web app uses."""

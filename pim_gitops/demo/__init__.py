"""The bundled sample tenant (``tenant.json``) and the ``demo`` loop."""

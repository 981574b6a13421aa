"""HTTP and websocket endpoints. Each module exposes ``router`` (a FastAPI APIRouter)."""

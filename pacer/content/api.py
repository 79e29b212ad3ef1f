from ninja import Router

router = Router(tags=["content"])

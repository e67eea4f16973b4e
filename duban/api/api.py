from ninja import NinjaAPI

api = NinjaAPI(title="督办平台接口", version="1", urls_namespace="api")

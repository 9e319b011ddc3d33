"""ImgDiff for ComfyUI.

This package has no Python nodes. It gives ComfyUI's editor a web directory with the ImgDiff
frontend extension, which adds the ImgDiff nodes (contrastive image-pair data after Img-Diff,
arXiv 2408.04594) as frontend-only nodes, and example workflows for the template browser.
The nodes run with the `imgdiff` command (npm package comfyui-imgdiff): `imgdiff run`.
"""

NODE_CLASS_MAPPINGS = {}
NODE_DISPLAY_NAME_MAPPINGS = {}
WEB_DIRECTORY = "./web/js"

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS", "WEB_DIRECTORY"]

"""Web renditions, preview loops and posters of stored videos (issue 16 §2).

``encode`` makes them from one decode of the original (PyAV, no Django); ``sandboxed``
runs that in the video sandbox's limited child; ``services`` stores them and records
what they are; ``tasks`` has the worker make them after an asset is stored.
"""

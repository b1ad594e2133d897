pub struct SurfaceConfig;
pub struct ToolSurface;

// One view of a volume: slice sampling, window/level, label fill, in-plane outline
// (constant width on screen) and the TP/FP/FN difference mode, all per fragment.

struct Params {
    // Continuous voxel coordinate at the view's top-left corner, and its change
    // across the full width (axis_u) and height (axis_v). w components unused.
    origin: vec4<f32>,
    axis_u: vec4<f32>,
    axis_v: vec4<f32>,
    // Volume dimensions in voxels (xyz); w: 1 for trilinear intensity, 0 for nearest.
    dims: vec4<f32>,
    // x: window centre, y: window width (in stored units after scaling), z: scl_slope, w: scl_inter.
    window: vec4<f32>,
    // Per layer: x fill opacity, y outline opacity, z 1 when shown, w 1 when the layer exists.
    reference_style: vec4<f32>,
    prediction_style: vec4<f32>,
    // x: view width px, y: view height px, z: outline width px, w: mode (0 layers, 1 difference).
    screen: vec4<f32>,
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var intensity: texture_3d<f32>;
@group(0) @binding(2) var reference_labels: texture_3d<u32>;
@group(0) @binding(3) var prediction_labels: texture_3d<u32>;
@group(0) @binding(4) var palette: texture_2d<f32>;

// The brick this draw reads (see render/bricks.rs): its textures store voxels
// stored_lo .. stored_lo + stored_last; it paints only voxels in owned_lo .. owned_hi.
// A volume that fits one texture is one brick that owns and stores everything.
struct Brick {
    owned_lo: vec4<f32>,
    owned_hi: vec4<f32>,
    stored_lo: vec4<i32>,
    stored_last: vec4<i32>,
};

@group(0) @binding(5) var<uniform> brick: Brick;

// Volume voxel index → texel of this brick (clamped to what it stores).
fn texel(ijk: vec3<i32>) -> vec3<i32> {
    return clamp(ijk - brick.stored_lo.xyz, vec3<i32>(0), brick.stored_last.xyz);
}

fn owned(v: vec3<f32>) -> bool {
    return all(v >= brick.owned_lo.xyz) && all(v < brick.owned_hi.xyz);
}

struct VertexOutput {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

// A full-screen triangle; uv runs 0..1 across the viewport, v downwards.
@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VertexOutput {
    let x = f32((index << 1u) & 2u);
    let y = f32(index & 2u);
    var out: VertexOutput;
    out.position = vec4<f32>(x * 2.0 - 1.0, 1.0 - y * 2.0, 0.0, 1.0);
    out.uv = vec2<f32>(x, y);
    return out;
}

fn voxel_at(uv: vec2<f32>) -> vec3<f32> {
    return p.origin.xyz + uv.x * p.axis_u.xyz + uv.y * p.axis_v.xyz;
}

fn inside(v: vec3<f32>) -> bool {
    return all(v >= vec3<f32>(0.0)) && all(v < p.dims.xyz);
}

fn label_at(which: u32, v: vec3<f32>) -> u32 {
    // An absent layer is bound to a 1-voxel placeholder: never read past it.
    let present = select(p.prediction_style.w, p.reference_style.w, which == 0u);
    if (!inside(v) || present < 0.5) {
        return 0u;
    }
    let ijk = texel(vec3<i32>(floor(v)));
    if (which == 0u) {
        return textureLoad(reference_labels, ijk, 0).r;
    }
    return textureLoad(prediction_labels, ijk, 0).r;
}

fn colour_of(id: u32) -> vec4<f32> {
    return textureLoad(palette, vec2<i32>(i32(id % 256u), i32(id / 256u)), 0);
}

// True when a screen neighbour `width` pixels away, in the displayed plane, has another label.
fn on_outline(which: u32, uv: vec2<f32>, id: u32) -> bool {
    let du = vec2<f32>(p.screen.z / p.screen.x, 0.0);
    let dv = vec2<f32>(0.0, p.screen.z / p.screen.y);
    return label_at(which, voxel_at(uv + du)) != id
        || label_at(which, voxel_at(uv - du)) != id
        || label_at(which, voxel_at(uv + dv)) != id
        || label_at(which, voxel_at(uv - dv)) != id;
}

fn blend(base: vec3<f32>, colour: vec3<f32>, amount: f32) -> vec3<f32> {
    return mix(base, colour, clamp(amount, 0.0, 1.0));
}

fn layer(base: vec3<f32>, which: u32, style: vec4<f32>, uv: vec2<f32>, id: u32) -> vec3<f32> {
    if (style.z < 0.5 || id == 0u) {
        return base;
    }
    let c = colour_of(id);
    var out = blend(base, c.rgb, style.x * c.a);
    if (style.y > 0.0 && on_outline(which, uv, id)) {
        out = blend(out, c.rgb, style.y * c.a);
    }
    return out;
}

// Intensity interpolated between the 8 nearest voxel centres (R32Float is not
// filterable everywhere, so the filter is done here). Labels stay nearest.
fn trilinear(v: vec3<f32>) -> f32 {
    let c = v - vec3<f32>(0.5);
    let base = floor(c);
    let t = c - base;
    let hi = vec3<i32>(p.dims.xyz) - vec3<i32>(1);
    var acc = 0.0;
    for (var n = 0u; n < 8u; n = n + 1u) {
        let o = vec3<f32>(f32(n & 1u), f32((n >> 1u) & 1u), f32((n >> 2u) & 1u));
        let ijk = clamp(vec3<i32>(base + o), vec3<i32>(0), hi);
        let w = mix(1.0 - t, t, o);
        acc = acc + w.x * w.y * w.z * textureLoad(intensity, texel(ijk), 0).r;
    }
    return acc;
}

const TRUE_POSITIVE_TINT: f32 = 0.25;
const FALSE_NEGATIVE: vec3<f32> = vec3<f32>(1.0, 0.16, 0.16);
const FALSE_POSITIVE: vec3<f32> = vec3<f32>(0.16, 0.55, 1.0);
const CONFUSION: vec3<f32> = vec3<f32>(1.0, 0.86, 0.0);

@fragment
fn fs_main(in: VertexOutput) -> @location(0) vec4<f32> {
    let v = voxel_at(in.uv);
    if (!inside(v)) {
        return vec4<f32>(0.0, 0.0, 0.0, 1.0);
    }
    if (!owned(v)) {
        // Another brick's draw paints this pixel.
        discard;
    }
    var stored = 0.0;
    // A zero slope makes every value the intercept: a case without an image (label
    // maps alone) is bound to a 1-voxel placeholder that is never read.
    if (p.window.z == 0.0) {
        stored = 0.0;
    } else if (p.dims.w > 0.5) {
        stored = trilinear(v);
    } else {
        stored = textureLoad(intensity, texel(vec3<i32>(floor(v))), 0).r;
    }
    let value = stored * p.window.z + p.window.w;
    let low = p.window.x - 0.5 * p.window.y;
    let grey = clamp((value - low) / max(p.window.y, 1e-6), 0.0, 1.0);
    var rgb = vec3<f32>(grey);
    let r = label_at(0u, v);
    let q = label_at(1u, v);
    if (p.screen.w > 0.5) {
        // Difference mode: organ tint where both agree, red where the prediction
        // misses, blue where it adds, yellow where it says another organ.
        let shown_r = r != 0u && colour_of(r).a > 0.0;
        let shown_q = q != 0u && colour_of(q).a > 0.0;
        if (shown_r && r == q) {
            rgb = blend(rgb, colour_of(r).rgb, TRUE_POSITIVE_TINT);
        } else if (shown_r && shown_q) {
            rgb = blend(rgb, CONFUSION, 0.75);
        } else if (shown_r) {
            rgb = blend(rgb, FALSE_NEGATIVE, 0.75);
        } else if (shown_q) {
            rgb = blend(rgb, FALSE_POSITIVE, 0.75);
        }
        return vec4<f32>(rgb, 1.0);
    }
    rgb = layer(rgb, 0u, p.reference_style, in.uv, r);
    rgb = layer(rgb, 1u, p.prediction_style, in.uv, q);
    return vec4<f32>(rgb, 1.0);
}

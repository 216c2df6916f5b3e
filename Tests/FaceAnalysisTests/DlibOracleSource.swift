/// The C++ oracle: `landmarks MODEL IMAGE.ppm BOXES` prints, per box and landmark, dlib's
/// sub-pixel point and `shape_predictor`'s integer point; `detect IMAGE.ppm` prints dlib's HOG
/// detector boxes (left top right bottom, inclusive); `time MODEL IMAGE BOXES N` prints ms per face;
/// `cnn MODEL IMAGE.ppm` prints dlib's CNN (MMOD) detections (left top right bottom confidence);
/// `cnn-time MODEL IMAGE.ppm N` prints ms per image of the CNN detector.
let dlibOracleSource = #"""
    // Reference oracle for AvatarFlow's FaceAnalysis tests: dlib 68-point landmarks and dlib's HOG face detector.
    #include <dlib/dnn.h>
    #include <dlib/image_processing.h>
    #include <dlib/image_processing/frontal_face_detector.h>
    #include <dlib/serialize.h>
    #include <chrono>
    #include <cstdio>
    #include <fstream>
    #include <iostream>
    #include <sstream>
    #include <string>

    using namespace dlib;

    static bool read_ppm(const std::string& path, array2d<rgb_pixel>& img) {
        std::ifstream in(path, std::ios::binary);
        std::string magic; long w, h, maxval;
        if (!(in >> magic >> w >> h >> maxval) || magic != "P6" || maxval != 255) return false;
        in.get();
        img.set_size(h, w);
        for (long r = 0; r < h; ++r)
            for (long c = 0; c < w; ++c) {
                unsigned char px[3];
                in.read((char*)px, 3);
                img[r][c] = rgb_pixel(px[0], px[1], px[2]);
            }
        return bool(in);
    }

    // The network type of dlib's dnn_mmod_face_detection_ex.cpp.
    template <long num_filters, typename SUBNET> using con5d = con<num_filters,5,5,2,2,SUBNET>;
    template <long num_filters, typename SUBNET> using con5  = con<num_filters,5,5,1,1,SUBNET>;
    template <typename SUBNET> using downsampler = relu<affine<con5d<32, relu<affine<con5d<32, relu<affine<con5d<16,SUBNET>>>>>>>>>;
    template <typename SUBNET> using rcon5 = relu<affine<con5<45,SUBNET>>>;
    using mmod_net_type = loss_mmod<con<1,9,9,1,1,rcon5<rcon5<rcon5<downsampler<input_rgb_image_pyramid<pyramid_down<6>>>>>>>>;

    struct components {
        matrix<float,0,1> initial_shape;
        std::vector<std::vector<impl::regression_tree>> forests;
        std::vector<std::vector<unsigned long>> anchor_idx;
        std::vector<std::vector<dlib::vector<float,2>>> deltas;
    };

    int main(int argc, char** argv) {
        std::cout.precision(17);
        if (argc < 2) { std::cerr << "usage: landmarks MODEL IMAGE BOXES | detect IMAGE | time MODEL IMAGE BOXES REPEATS\n"; return 2; }
        std::string mode = argv[1];
        if ((mode == "cnn" && argc == 4) || (mode == "cnn-time" && argc == 5)) {
            mmod_net_type net;
            deserialize(argv[2]) >> net;
            array2d<rgb_pixel> loaded;
            if (!read_ppm(argv[3], loaded)) { std::cerr << "cannot read " << argv[3] << "\n"; return 1; }
            matrix<rgb_pixel> img;
            assign_image(img, loaded);
            if (mode == "cnn-time") {
                int repeats = std::atoi(argv[4]);
                size_t count = net(img).size();
                auto start = std::chrono::steady_clock::now();
                for (int k = 0; k < repeats; ++k) count += net(img).size();
                double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                std::cout << seconds * 1000.0 / repeats << " " << count << "\n";
                return 0;
            }
            for (const mmod_rect& d : net(img))
                std::cout << d.rect.left() << " " << d.rect.top() << " " << d.rect.right() << " " << d.rect.bottom() << " " << d.detection_confidence << "\n";
            return 0;
        }
        if (mode == "detect" && argc == 3) {
            array2d<rgb_pixel> img;
            if (!read_ppm(argv[2], img)) { std::cerr << "cannot read " << argv[2] << "\n"; return 1; }
            frontal_face_detector detector = get_frontal_face_detector();
            for (const rectangle& r : detector(img))
                std::cout << r.left() << " " << r.top() << " " << r.right() << " " << r.bottom() << "\n";
            return 0;
        }
        if ((mode == "landmarks" && argc == 5) || (mode == "time" && argc == 6)) {
            shape_predictor predictor;
            deserialize(argv[2]) >> predictor;
            array2d<rgb_pixel> img;
            if (!read_ppm(argv[3], img)) { std::cerr << "cannot read " << argv[3] << "\n"; return 1; }
            std::vector<rectangle> boxes;
            std::ifstream boxfile(argv[4]);
            long l, t, r, b;
            while (boxfile >> l >> t >> r >> b) boxes.push_back(rectangle(l, t, r, b));
            if (mode == "time") {
                int repeats = std::atoi(argv[5]);
                long checksum = 0;
                array2d<unsigned char> grey;
                assign_image(grey, img);
                auto start = std::chrono::steady_clock::now();
                for (int k = 0; k < repeats; ++k)
                    for (const rectangle& box : boxes) checksum += predictor(grey, box).part(30).x();
                double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                std::cout << seconds * 1000.0 / (repeats * boxes.size()) << " " << checksum << "\n";
                return 0;
            }
            // Sub-pixel replica of shape_predictor::operator() built from dlib's own pieces
            // (same deserialization order and the same impl:: functions), before integer rounding.
            components model;
            {
                std::ifstream in(argv[2], std::ios::binary);
                int version = 0;
                deserialize(version, in);
                deserialize(model.initial_shape, in);
                deserialize(model.forests, in);
                deserialize(model.anchor_idx, in);
                deserialize(model.deltas, in);
            }
            for (const rectangle& box : boxes) {
                full_object_detection rounded = predictor(img, box);
                matrix<float,0,1> current_shape = model.initial_shape;
                std::vector<float> values;
                for (unsigned long iter = 0; iter < model.forests.size(); ++iter) {
                    impl::extract_feature_pixel_values(img, box, current_shape, model.initial_shape,
                                                       model.anchor_idx[iter], model.deltas[iter], values);
                    unsigned long leaf;
                    for (unsigned long i = 0; i < model.forests[iter].size(); ++i)
                        current_shape += model.forests[iter][i](values, leaf);
                }
                const point_transform_affine to_image = impl::unnormalizing_tform(box);
                for (unsigned long i = 0; i < rounded.num_parts(); ++i) {
                    dpoint p = to_image(impl::location(current_shape, i));
                    std::cout << p.x() << " " << p.y() << " " << rounded.part(i).x() << " " << rounded.part(i).y() << "\n";
                }
            }
            return 0;
        }
        std::cerr << "bad arguments\n";
        return 2;
    }
    """#

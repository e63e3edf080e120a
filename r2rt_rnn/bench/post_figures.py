"""The post's published timings, printed beside ours.

From R2RT, "Recurrent Neural Networks in Tensorflow II" (2016),
https://r2rt.com/recurrent-neural-networks-in-tensorflow-ii.html: a TensorFlow 0.x
on the author's unnamed machine.
"""

# The post trained on all of tiny-shakespeare, with no validation split.
POST_CORPUS_CHARS = 1115394

# Graph build times (s) of its four graphs at 200 steps.
POST_BUILD_S = {"list_basic_rnn": 5.6, "list_lstm": 25.6, "dynamic_lstm": 0.53, "scan_lstm": 0.65}
# Its 3-epoch training runs (s) of the three graph styles, 200 steps.
POST_3_EPOCHS_S = {"list_lstm": 117.8, "dynamic_lstm": 96.7, "scan_lstm": 101.6}
# Its 20-epoch cell comparison (s), 80 steps.
POST_20_EPOCHS_S = {"GRU": 1051.7, "LSTM": 614.5, "LN_LSTM": 3867.6}
